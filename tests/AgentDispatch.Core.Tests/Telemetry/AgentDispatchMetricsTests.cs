using AgentDispatch.Auth;
using AgentDispatch.Core.Tests.Confirmation;
using AgentDispatch.Core.Tests.Jobs;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.Telemetry;
using AgentDispatch.Testing;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Moq;

namespace AgentDispatch.Core.Tests.Telemetry;

/// <summary>
/// The <c>AgentDispatch</c> meter, read with the collector of Microsoft.Extensions.Diagnostics.Testing
/// on this test's own meter (the app's services make one per container), so measurements of tests
/// running alongside never mix in.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AgentDispatchMetricsTests(AzuriteCollectionFixture azurite)
{
    [Fact]
    public async Task Dispatch_IsCountedByOutcome_AndTimed()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson));
        await using var services = CoreServices.Build(new Dictionary<string, string?>
        {
            ["VideoSdk:BaseUrl"] = server.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "metrics-test-token",
        });
        var meter = services.Get<AgentDispatchMetrics>().Meter;
        using var dispatches = new MetricCollector<long>(meter, "agentdispatch.dispatches");
        using var durations = new MetricCollector<double>(meter, "agentdispatch.dispatch.duration");

        await services.Get<IVideoSdkClient>().DispatchAsync(new DispatchRequest("abcd-efgh-ijkl", "MyAgent"), CancellationToken.None);

        var counted = Assert.Single(dispatches.GetMeasurementSnapshot());
        Assert.Equal(1, counted.Value);
        Assert.Equal("assigned", counted.Tags["outcome"]);
        var timed = Assert.Single(durations.GetMeasurementSnapshot());
        Assert.True(timed.Value > 0);
        Assert.Equal("ms", durations.Instrument!.Unit);
    }

    [Fact]
    public async Task ConfirmedJob_RecordsItsLatenessAndJoinLatency()
    {
        var time = JobsHarness.NewClock();
        var room = new RoomScript();
        await using var harness = await JobsHarness.StartAsync(
            azurite.Fixture, room.HandleAsync, new Dictionary<string, string?> { ["Confirmation:Mode"] = "SessionApi" }, time: time);
        var meter = harness.Services.Get<AgentDispatchMetrics>().Meter;
        using var lateness = new MetricCollector<double>(meter, "agentdispatch.schedule.lateness");
        using var joins = new MetricCollector<double>(meter, "agentdispatch.join.latency");
        var scheduled = (await harness.Jobs.SubmitAsync(
            new DispatchJobRequest(new DispatchRequest("room-1", "agent-1"), time.GetUtcNow().AddMinutes(1), null), JobSources.Http, CancellationToken.None)).Job!;

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(250));
        var done = await harness.WakeUntilFinalAsync(time, scheduled.Id);

        Assert.Equal(JobState.Joined, done.State);
        var late = Assert.Single(lateness.GetMeasurementSnapshot());
        Assert.True(late.Value >= 250, $"lateness {late.Value} ms; the clock was 250 ms past dispatchAt when the job was woken");
        Assert.Equal("http", late.Tags["source"]);
        var joined = Assert.Single(joins.GetMeasurementSnapshot());
        Assert.True(joined.Value >= 0);
        Assert.Equal("session-api", joined.Tags["confirmed_by"]);
    }

    [Fact]
    public async Task KeyVaultReads_AreCountedByResult()
    {
        await using var provider = new ServiceCollection().AddMetrics().AddSingleton<AgentDispatchMetrics>().BuildServiceProvider();
        var metrics = provider.GetRequiredService<AgentDispatchMetrics>();
        using var reads = new MetricCollector<long>(metrics.Meter, "agentdispatch.keyvault.reads");
        var vault = new Mock<SecretClient>(MockBehavior.Strict);
        vault.Setup(c => c.GetSecretAsync("good", null, null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(SecretModelFactory.KeyVaultSecret(new SecretProperties("good"), "value"), Mock.Of<Response>()));
        vault.Setup(c => c.GetSecretAsync("missing", null, null, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(404, "not found"));
        var reader = new KeyVaultSecretReader(vault.Object, metrics);

        await reader.ReadAsync("good", CancellationToken.None);
        await Assert.ThrowsAsync<TokenUnavailableException>(() => reader.ReadAsync("missing", CancellationToken.None));

        Assert.Equal(["failed", "ok"], reads.GetMeasurementSnapshot().Select(m => (string)m.Tags["result"]!).Order());
    }
}
