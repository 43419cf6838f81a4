using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AgentDispatch.Status;

namespace AgentDispatch.Core.Tests.Status;

/// <summary>The page as HTML: self-contained, allowed by its own policy, and drawing what the report holds.</summary>
public sealed partial class StatusPageTests
{
    private static readonly DateTimeOffset Now = new(2030, 5, 6, 7, 30, 0, TimeSpan.Zero);

    private static StatusJob Job(string meetingId, string state, DateTimeOffset due, string? outcome = null, string? message = null)
        => new($"id-{meetingId}", state, meetingId, "agent-1", "http", null, due, due, due, 1, 0, outcome, message, null, null);

    private static StatusReport Report(IReadOnlyList<StatusJob>? upcoming = null, IReadOnlyList<StatusJob>? latest = null) => new()
    {
        GeneratedAt = Now,
        Sample = new StatusSample(3, StatusReader.MaxJobsRead, false, 1, false),
        Upcoming = upcoming ?? [],
        Latest = latest ?? [],
        Counts = [new StatusCount("http", "scheduled", 1), new StatusCount("http", "failed", 2)],
        Backlog = null,
        Configuration = new StatusConfiguration([new("Calendly", "off")], [], [], "app-setting", "Both", TimeSpan.FromSeconds(60), "Redispatch"),
    };

    [GeneratedRegex("<(script|style)>(.*?)</\\1>", RegexOptions.Singleline)]
    private static partial Regex InlineBlock();

    [GeneratedRegex("(?:src|href|action)\\s*=\\s*\"([^\"]*)\"")]
    private static partial Regex Reference();

    [Fact]
    public void Render_InlineScriptAndStyle_AreExactlyTheOnesThePolicyAllows()
    {
        var html = StatusPage.Render(Report());

        var blocks = InlineBlock().Matches(html);
        Assert.Equal(2, blocks.Count);
        foreach (Match block in blocks)
        {
            var hash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(block.Groups[2].Value))) + "'";
            Assert.Contains($"{block.Groups[1].Value}-src {hash}", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
        }

        Assert.StartsWith("default-src 'none';", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", StatusPage.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ReferencesNothingOutsideThePage()
    {
        var html = StatusPage.Render(Report([Job("room-a", "scheduled", Now.AddHours(2))]));

        Assert.Equal(["data:,"], Reference().Matches(html).Select(m => m.Groups[1].Value));
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RefreshesByFetchingItsOwnUrl_SoTheFunctionKeyGoesWithIt()
    {
        var html = StatusPage.Render(Report());

        Assert.Contains("fetch(location.href,", html, StringComparison.Ordinal);
        Assert.Contains($"const every = {StatusPage.RefreshSeconds * 1000};", html, StringComparison.Ordinal);
        Assert.Contains($"<noscript><meta http-equiv=\"refresh\" content=\"{StatusPage.RefreshSeconds}\"></noscript>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Upcoming_OnTheTimelineWithinTheSmallestSpanThatHoldsThem()
    {
        var html = StatusPage.Render(Report([Job("room-soon", "scheduled", Now.AddMinutes(20)), Job("room-evening", "scheduled", Now.AddHours(11))]));

        Assert.Contains("aria-label=\"Upcoming jobs over the next 24 h\"", html, StringComparison.Ordinal);
        Assert.Contains(">room-soon</text>", html, StringComparison.Ordinal);
        Assert.Contains(">room-evening</text>", html, StringComparison.Ordinal);
        Assert.Contains("<td>in 20 min</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>in 11 h</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UpcomingBeyondAWeek_InTheTableOnly()
    {
        var html = StatusPage.Render(Report([Job("room-next-month", "scheduled", Now.AddDays(30))]));

        Assert.Contains("aria-label=\"Upcoming jobs over the next 7 days\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(">room-next-month</text>", html, StringComparison.Ordinal);
        Assert.Contains("<td>room-next-month</td>", html, StringComparison.Ordinal);
        Assert.Contains("1 later (in the table, not on the axis)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FailedAndNotJoined_AreMarked_AndAlerted()
    {
        var html = StatusPage.Render(Report(latest:
        [
            Job("room-failed", "failed", Now, "configuration", "No Workers Registered"),
            Job("room-absent", "not-joined", Now, "assigned", "The agent was not seen in the room"),
            Job("room-fine", "joined", Now, "assigned", null),
        ]));

        Assert.Contains("<tr class=\"bad\" data-job=\"id-room-failed\" data-state=\"failed\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"warn\" data-job=\"id-room-absent\" data-state=\"not-joined\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-job=\"id-room-fine\" data-state=\"joined\">", html, StringComparison.Ordinal);
        Assert.Contains("Among the latest outcomes: 1 failed, 1 not joined.", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n bad\" data-state=\"failed\">2</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NothingYet_SaysSo()
    {
        var html = StatusPage.Render(Report() with { Counts = [] });

        Assert.Contains("No scheduled jobs.", html, StringComparison.Ordinal);
        Assert.Contains("No job has been dispatched yet.", html, StringComparison.Ordinal);
        Assert.Contains("No jobs in the ledger yet.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"alerts\"", html, StringComparison.Ordinal);
    }
}
