using System.Text.Json;
using AgentDispatch.Events;
using AgentDispatch.Events.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Core.Tests.Events;

public sealed class RoutingTests
{
    private static readonly MeetingEvent Demo = new()
    {
        Source = "calendly",
        Kind = MeetingEventKind.Scheduled,
        Key = "calendly:1",
        EventType = "Product demo",
        Title = "Product demo with Jane",
        Start = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero),
        End = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero),
        TimeZone = "Europe/Berlin",
        Organizer = new Person("Harriet Host", "host@acme.example"),
        Attendees = [new Person("Jane Doe", "jane@customer.example"), new Person("Bob", "bob@other.example")],
        Texts = new Dictionary<string, string> { [MeetingEvent.Fields.JoinUrl] = "https://app.videosdk.live/meeting/abcd-efgh-ijkl" },
    };

    private static Router Router(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        return new Router(Options.Create(configuration.GetSection(RoutingOptions.Section).Get<RoutingOptions>() ?? new RoutingOptions()));
    }

    [Fact]
    public void Match_FirstMatchingRuleWins()
    {
        var router = Router(
            ("Routing:Rules:0:Name", "sales"), ("Routing:Rules:0:TitlePattern", "^Sales"), ("Routing:Rules:0:AgentId", "sales-agent"),
            ("Routing:Rules:1:Name", "demos"), ("Routing:Rules:1:EventTypes", "product demo, onboarding"), ("Routing:Rules:1:AgentId", "demo-agent"),
            ("Routing:Rules:2:Name", "everything"), ("Routing:Rules:2:AgentId", "fallback-agent"));

        var route = router.Match(Demo, "abcd-efgh-ijkl")!;

        Assert.Equal(("demos", "demo-agent"), (route.RuleName, route.AgentId));
    }

    [Theory]
    [InlineData("Routing:Rules:0:Sources", "calcom,standard", false)]
    [InlineData("Routing:Rules:0:Sources", "CALENDLY", true)]
    [InlineData("Routing:Rules:0:OrganizerDomains", "acme.example", true)]
    [InlineData("Routing:Rules:0:OrganizerDomains", "customer.example", false)]
    [InlineData("Routing:Rules:0:AttendeeDomains", "other.example", true)]
    [InlineData("Routing:Rules:0:AttendeeDomains", "acme.example", false)]
    [InlineData("Routing:Rules:0:EventTypePattern", "demo$", true)]
    [InlineData("Routing:Rules:0:TitlePattern", "^standup", false)]
    public void Match_EachCriterion_Filters(string key, string value, bool matches)
    {
        var router = Router((key, value), ("Routing:Rules:0:AgentId", "agent"));

        Assert.Equal(matches, router.Match(Demo, "abcd-efgh-ijkl") is not null);
    }

    [Fact]
    public void Match_NoRuleMatches_IsNull()
        => Assert.Null(Router(("Routing:Rules:0:Sources", "calcom"), ("Routing:Rules:0:AgentId", "a")).Match(Demo, "m"));

    [Fact]
    public void Render_TemplatesFillTheVariablesFromTheEvent()
    {
        var router = Router(
            ("Routing:Rules:0:AgentId", "demo-agent"),
            ("Routing:Rules:0:LeadTime", "00:02:00"),
            ("Routing:Rules:0:NotAfter", "00:15:00"),
            ("Routing:Rules:0:Variables:fname", "{{attendee.name}}"),
            ("Routing:Rules:0:Variables:topic", "{{ meeting.title }} at {{meeting.localStartTime}} ({{meeting.timeZone}})"),
            ("Routing:Rules:0:Variables:host", "{{organizer.name}} <{{organizer.email}}>"),
            ("Routing:Rules:0:Variables:room", "{{meeting.id}}; {{attendees.count}} guests: {{attendees.names}}"));

        var route = router.Match(Demo, "abcd-efgh-ijkl")!;

        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(15)), (route.LeadTime, route.NotAfter));
        var variables = route.Metadata!.Value.GetProperty("variables").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("value").GetString());
        Assert.Equal("Jane Doe", variables["fname"]);
        Assert.Equal("Product demo with Jane at 2026-12-01 09:00 (Europe/Berlin)", variables["topic"]);
        Assert.Equal("Harriet Host <host@acme.example>", variables["host"]);
        Assert.Equal("abcd-efgh-ijkl; 2 guests: Jane Doe, Bob", variables["room"]);
    }

    [Fact]
    public void Render_NoVariables_LeavesMetadataOut()
        => Assert.Null(Router(("Routing:Rules:0:AgentId", "a")).Match(Demo, "m")!.Metadata);

    [Fact]
    public void Compile_InvalidRules_NameEverySetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Router(
            ("Routing:Rules:0:TitlePattern", "(unclosed"),
            ("Routing:Rules:1:AgentId", "a"), ("Routing:Rules:1:Sources", "calendly,zoom"),
            ("Routing:Rules:2:AgentId", "a"), ("Routing:Rules:2:Variables:x", "{{attendee.phone}}"),
            ("Routing:Rules:3:AgentId", "a"), ("Routing:Rules:3:LeadTime", "-00:05:00"),
            ("Routing:Rules:4:AgentId", "  ")));
        var message = string.Join('\n', ex.Failures);

        Assert.Contains("Routing:Rules:0:AgentId is required", message, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:0:TitlePattern is not a valid regular expression", message, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:1:Sources has 'zoom'", message, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:2:Variables:x has an unknown placeholder {{attendee.phone}}", message, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:3:LeadTime must be between", message, StringComparison.Ordinal);
        Assert.Contains("Routing:Rules:4:AgentId must not be blank.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void RulesFile_RulesComeAfterTheSettingsRules()
    {
        var file = Path.Combine(Path.GetTempPath(), $"routing-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"Rules":[{"Name":"from-file","Sources":"calendly","AgentId":"file-agent","Variables":{"who":"{{attendee.email}}"}}]}""");
        try
        {
            var router = Router(("Routing:RulesFile", file), ("Routing:Rules:0:Sources", "calcom"), ("Routing:Rules:0:AgentId", "settings-agent"));

            var route = router.Match(Demo, "m")!;

            Assert.Equal(2, router.Count);
            Assert.Equal(("from-file", "file-agent"), (route.RuleName, route.AgentId));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void RulesFile_Missing_IsAStartupError()
        => Assert.Contains("Routing:RulesFile could not be read", string.Join('\n', Assert.Throws<OptionsValidationException>(() => Router(("Routing:RulesFile", "/nonexistent/rules.json"))).Failures), StringComparison.Ordinal);
}
