using System.Globalization;
using System.Text.Json;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Schedules;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Schedules;

/// <summary>
/// Schedules becoming ledger jobs, against real Azurite: one job per occurrence across DST changes,
/// repeated and concurrent runs, a late run and one after the window. Time is a FakeTimeProvider,
/// except where a job is actually dispatched: the wake queue's visibility runs on real time.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ScheduleRunnerTests(AzuriteCollectionFixture azurite)
{
    private const string Meeting = "abcd-efgh-ijkl";

    private static Dictionary<string, string?> Standup(string cron, string timeZone = "Europe/Berlin", string? window = null) => new()
    {
        ["Schedules:0:Name"] = "standup",
        ["Schedules:0:Cron"] = cron,
        ["Schedules:0:TimeZone"] = timeZone,
        ["Schedules:0:MeetingId"] = Meeting,
        ["Schedules:0:AgentId"] = "agent-1",
        ["Schedules:0:VersionId"] = "v-1",
        ["Schedules:0:Metadata"] = """{"variables":[{"name":"team","value":"core"}]}""",
        ["Schedules:0:Window"] = window,
    };

    private Task<JobsHarness> StartAsync(Dictionary<string, string?> settings, TimeProvider? time = null)
        => JobsHarness.StartAsync(azurite.Fixture, settings: settings, configure: services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }

            services.AddSchedules();
        });

    private static DateTimeOffset At(string utc) => ScheduleTests.At(utc);

    private static async Task<List<DispatchJob>> JobsAsync(JobsHarness harness)
        => [.. (await harness.Jobs.ListAsync(Meeting, null, 100, null, CancellationToken.None))!.Items.OrderBy(j => j.DispatchAt)];

    private static string[] DispatchTimes(IEnumerable<DispatchJob> jobs)
        => [.. jobs.Select(j => j.DispatchAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture))];

    /// <summary>Runs the timer every <paramref name="every"/> from the clock's time to <paramref name="until"/>, adding up the reports.</summary>
    private static async Task<ScheduleTickReport> RunTimerAsync(ScheduleRunner runner, FakeTimeProvider time, DateTimeOffset until, TimeSpan every)
    {
        var total = new ScheduleTickReport(0, 0, 0, 0);
        while (time.GetUtcNow() <= until)
        {
            var run = await runner.TickAsync(CancellationToken.None);
            total = new ScheduleTickReport(total.Created + run.Created, total.Existing + run.Existing, total.Skipped + run.Skipped, total.Failed + run.Failed);
            time.Advance(every);
        }

        return total;
    }

    [Theory]
    [InlineData("2026-03-26T00:00:00Z", "2026-03-31T00:00:00Z", "2026-03-26T08:00Z 2026-03-27T08:00Z 2026-03-30T07:00Z")]
    [InlineData("2026-10-22T00:00:00Z", "2026-10-27T00:00:00Z", "2026-10-22T07:00Z 2026-10-23T07:00Z 2026-10-26T08:00Z")]
    public async Task WeekdaysAtNineInBerlin_AcrossADstChange_DispatchAtNineLocalTime(string from, string until, string expected)
    {
        var time = new FakeTimeProvider(At(from));
        await using var harness = await StartAsync(Standup("0 9 * * 1-5"), time);

        var report = await RunTimerAsync(harness.Services.Get<ScheduleRunner>(), time, At(until), TimeSpan.FromMinutes(5));

        var jobs = await JobsAsync(harness);
        Assert.Equal(expected.Split(' '), DispatchTimes(jobs));
        Assert.Equal(new ScheduleTickReport(3, report.Existing, 0, 0), report);
        Assert.True(report.Existing >= 3 * 4, "every occurrence is seen by several runs before it is due");
    }

    [Theory]
    [InlineData("30 2 * * *", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z", "2026-03-28T01:30Z 2026-03-29T01:00Z 2026-03-30T00:30Z")]
    [InlineData("30 2 * * *", "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z", "2026-10-24T00:30Z 2026-10-25T00:30Z 2026-10-26T01:30Z")]
    [InlineData("30 * * * *", "2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z", "2026-10-24T23:30Z 2026-10-25T00:30Z 2026-10-25T01:30Z 2026-10-25T02:30Z")]
    [InlineData("30 * * * *", "2026-03-28T23:00:00Z", "2026-03-29T02:00:00Z", "2026-03-28T23:30Z 2026-03-29T00:30Z 2026-03-29T01:00Z 2026-03-29T01:30Z")]
    public async Task ATimeTheDstChangeSkipsOrRepeats_GetsOneJobPerOccurrence(string cron, string from, string until, string expected)
    {
        // 02:30 does not exist on 2026-03-29 (Cronos moves it to 03:00 CEST, 01:00Z) and happens twice on
        // 2026-10-25 (a fixed time runs at the first, 00:30Z; an hourly one runs in both real hours).
        var time = new FakeTimeProvider(At(from));
        await using var harness = await StartAsync(Standup(cron), time);

        var report = await RunTimerAsync(harness.Services.Get<ScheduleRunner>(), time, At(until), TimeSpan.FromMinutes(5));

        var jobs = await JobsAsync(harness);
        Assert.Equal(expected.Split(' '), DispatchTimes(jobs));
        Assert.Equal(jobs.Count, report.Created);
        Assert.All(jobs.GroupBy(j => j.DispatchAt), g => Assert.Single(g));
    }

    [Theory]
    [InlineData("9999-12-31T23:50:00Z", "55 23 * * *", "00:15:00")]
    [InlineData("9999-12-31T23:59:00Z", "59 23 * * *", "00:01:00")]
    public async Task Tick_OccurrenceWhoseWindowLeavesTheCalendar_IsSkippedAndNothingStored(string clock, string cron, string window)
    {
        // Only a clock at the very end of 9999 gets here, since occurrences are near now; it must not throw.
        var time = new FakeTimeProvider(At(clock));
        await using var harness = await StartAsync(Standup(cron, timeZone: "UTC", window: window), time);

        var report = await harness.Services.Get<ScheduleRunner>().TickAsync(CancellationToken.None);

        Assert.True(report.Skipped > 0);
        Assert.Equal((0, 0), (report.Created, report.Failed));
        Assert.Empty(await JobsAsync(harness));
    }

    [Fact]
    public async Task TickAsync_CreatesAScheduledJobAsTheScheduleDescribes()
    {
        var time = new FakeTimeProvider(At("2026-03-27T07:50:00Z"));
        await using var harness = await StartAsync(Standup("0 9 * * 1-5", window: "00:20:00"), time);

        var report = await harness.Services.Get<ScheduleRunner>().TickAsync(CancellationToken.None);

        Assert.Equal(new ScheduleTickReport(1, 0, 0, 0), report);
        var job = Assert.Single(await JobsAsync(harness));
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Equal(At("2026-03-27T08:00:00Z"), job.DispatchAt);
        Assert.Equal(At("2026-03-27T08:20:00Z"), job.NotAfter);
        Assert.Equal(JobSources.Schedule, job.Source);
        Assert.Equal("schedule:standup", job.Origin);
        Assert.Equal("schedule:standup\n2026-03-27T08:00:00.0000000Z", job.IdempotencyKey);
        Assert.Equal(JobIds.ForKey(job.IdempotencyKey), job.Id);
        Assert.Equal(("agent-1", "v-1"), (job.AgentId, job.VersionId));
        Assert.Equal("""{"variables":[{"name":"team","value":"core"}]}""", job.Metadata!.Value.GetRawText());
        Assert.Equal(0, harness.Dispatches);
        Assert.Contains(harness.Services.Logs.GetSnapshot(), r => r.Id.Id == 700 && r.Message.Contains("standup", StringComparison.Ordinal) && r.Message.Contains("2026-03-27T08:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TickAsync_Twice_CreatesEachJobOnce()
    {
        var time = new FakeTimeProvider(At("2026-03-27T07:50:00Z"));
        await using var harness = await StartAsync(Standup("*/5 * * * *", "UTC"), time);
        var runner = harness.Services.Get<ScheduleRunner>();

        var first = await runner.TickAsync(CancellationToken.None);
        var second = await runner.TickAsync(CancellationToken.None);

        // After 07:40 (now - the 10-minute default window) up to 08:05 (now + 15 minutes): 07:45 ... 08:05.
        Assert.Equal(new ScheduleTickReport(5, 0, 0, 0), first);
        Assert.Equal(new ScheduleTickReport(0, 5, 0, 0), second);
        Assert.Equal(["2026-03-27T07:45Z", "2026-03-27T07:50Z", "2026-03-27T07:55Z", "2026-03-27T08:00Z", "2026-03-27T08:05Z"], DispatchTimes(await JobsAsync(harness)));
    }

    [Fact]
    public async Task TwoInstancesTickingAtOnce_CreateEachJobOnce()
    {
        var time = new FakeTimeProvider(At("2026-03-27T07:50:00Z"));
        var shared = Standup("*/5 * * * *", "UTC");
        shared["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger");
        shared[QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake");
        await using var one = await StartAsync(shared, time);
        await using var two = await StartAsync(shared, time);
        var runners = new[] { one.Services.Get<ScheduleRunner>(), two.Services.Get<ScheduleRunner>() };

        var reports = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => runners[i % 2].TickAsync(CancellationToken.None))));

        Assert.Equal(5, reports.Sum(r => r.Created));
        Assert.Equal(8 * 5, reports.Sum(r => r.Created + r.Existing));
        var jobs = await JobsAsync(one);
        Assert.Equal(5, jobs.Count);
        Assert.Equal(5, jobs.Select(j => j.DispatchAt).Distinct().Count());
    }

    [Fact]
    public async Task ALateRun_InsideTheWindow_DispatchesTheMissedOccurrenceOnce()
    {
        // Real time: the job is woken through the wake queue, whose visibility Azurite keeps on its own clock.
        var now = DateTimeOffset.UtcNow;
        var occurrence = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-2);
        var cron = string.Create(CultureInfo.InvariantCulture, $"{occurrence.Minute} {occurrence.Hour} {occurrence.Day} {occurrence.Month} *");
        await using var harness = await StartAsync(Standup(cron, "UTC"));
        var runner = harness.Services.Get<ScheduleRunner>();

        var late = await runner.TickAsync(CancellationToken.None);

        Assert.Equal(new ScheduleTickReport(1, 0, 0, 0), late);
        var created = Assert.Single(await JobsAsync(harness));
        Assert.Equal(occurrence, created.DispatchAt);
        var job = await harness.PumpUntilAsync(created.Id, j => j.IsFinal, TimeSpan.FromSeconds(20));
        Assert.Equal(JobState.Assigned, job.State);

        var again = await runner.TickAsync(CancellationToken.None);
        await harness.PumpAsync();

        Assert.Equal(new ScheduleTickReport(0, 1, 0, 0), again);
        var request = Assert.Single(harness.VideoSdk.Requests);
        using var body = JsonDocument.Parse(request.BodyText);
        Assert.Equal(Meeting, body.RootElement.GetProperty("meetingId").GetString());
        Assert.Equal("agent-1", body.RootElement.GetProperty("agentId").GetString());
        Assert.Equal("v-1", body.RootElement.GetProperty("versionId").GetString());
        Assert.Equal("core", body.RootElement.GetProperty("metadata").GetProperty("variables")[0].GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("2026-03-27T08:09:59Z", 1)]
    [InlineData("2026-03-27T08:10:00Z", 0)]
    [InlineData("2026-03-27T11:00:00Z", 0)]
    public async Task ARunAfterTheWindowClosed_CreatesNothing(string now, int expected)
    {
        var time = new FakeTimeProvider(At(now));
        await using var harness = await StartAsync(Standup("0 9 * * 1-5", window: "00:10:00"), time);

        var report = await harness.Services.Get<ScheduleRunner>().TickAsync(CancellationToken.None);

        Assert.Equal(new ScheduleTickReport(expected, 0, 0, 0), report);
        Assert.Equal(expected, (await JobsAsync(harness)).Count);
    }

    [Fact]
    public async Task AMissedOccurrence_DoesNotStopTheNextOne()
    {
        var time = new FakeTimeProvider(At("2026-03-26T09:00:00Z"));
        await using var harness = await StartAsync(Standup("0 9 * * 1-5"), time);
        var runner = harness.Services.Get<ScheduleRunner>();

        // The timer was down from before 08:00Z until 09:00Z on Thursday: that standup is gone.
        Assert.Equal(new ScheduleTickReport(0, 0, 0, 0), await runner.TickAsync(CancellationToken.None));
        time.SetUtcNow(At("2026-03-27T07:55:00Z"));
        Assert.Equal(new ScheduleTickReport(1, 0, 0, 0), await runner.TickAsync(CancellationToken.None));

        Assert.Equal(["2026-03-27T08:00Z"], DispatchTimes(await JobsAsync(harness)));
    }

    [Fact]
    public async Task AScheduleFiringEverySecond_CreatesAtMostTheLimitPerRun()
    {
        var time = new FakeTimeProvider(At("2026-03-27T07:50:00Z"));
        await using var harness = await StartAsync(Standup("* * * * * *", "UTC", window: "00:00:30"), time);

        var report = await harness.Services.Get<ScheduleRunner>().TickAsync(CancellationToken.None);

        Assert.Equal(ScheduleRunner.MaxOccurrencesPerRun, report.Created);
        Assert.Contains(harness.Services.Logs.GetSnapshot(), r => r.Id.Id == 704);
    }

    [Fact]
    public async Task AnUnnamedSchedule_IsKeyedByItsPositionAndSaysSo()
    {
        var time = new FakeTimeProvider(At("2026-03-27T07:50:00Z"));
        var settings = Standup("0 9 * * 1-5");
        settings.Remove("Schedules:0:Name");
        await using var harness = await StartAsync(settings, time);

        await harness.Services.Get<ScheduleRunner>().TickAsync(CancellationToken.None);

        Assert.Equal("schedule:0\n2026-03-27T08:00:00.0000000Z", Assert.Single(await JobsAsync(harness)).IdempotencyKey);
        Assert.Contains(harness.Services.Logs.GetSnapshot(), r => r.Id.Id == 705 && r.Message.Contains("Schedules:0:Name", StringComparison.Ordinal));
    }
}
