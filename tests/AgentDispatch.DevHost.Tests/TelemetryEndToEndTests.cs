using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Telemetry;
using AgentDispatch.Telemetry;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Otlp;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.DevHost.Tests;

/// <summary>
/// OpenTelemetry as an operator meets it: the dev host with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set
/// exports over OTLP/HTTP to a loopback receiver, which decodes what arrives. Export intervals are
/// short through the standard settings; the tests poll under generous deadlines and never assert on time.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class TelemetryEndToEndTests(StorageFixture storage)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Every instrument of the <c>AgentDispatch</c> meter; a new one is one more line here.</summary>
    public static readonly IReadOnlyList<string> MetricNames =
    [
        "agentdispatch.dispatches",
        "agentdispatch.dispatch.duration",
        "agentdispatch.schedule.lateness",
        "agentdispatch.join.latency",
        "agentdispatch.keyvault.reads",
        "agentdispatch.notifications",
    ];

    private async Task<RunningDevHost> StartAsync(OtlpReceiver receiver, KeyVaultStandIn vault, params string[] extra) => await RunningDevHost.StartAsync(
        storage,
        builder => builder.Services.AddSingleton(vault.CreateSecretClient()),
        [.. extra,
        $"--DISPATCH_NOTIFICATIONS_QUEUE={AzuriteFixture.UniqueName("notify")}",
        $"--DISPATCH_REQUESTS_QUEUE={AzuriteFixture.UniqueName("requests")}",
        $"--DISPATCH_WAKE_QUEUE={AzuriteFixture.UniqueName("wake")}",
        $"--Jobs:LedgerTable={AzuriteFixture.UniqueName("ledger")}",
        "--Emulator:JoinDelay=00:00:00.200",
        // The token comes from a Key Vault stand-in, so agentdispatch.keyvault.reads has a reading.
        $"--KeyVault:VaultUri={vault.VaultUri.AbsoluteUri}",
        "--VideoSdk:TokenSecretName=videosdk-token",
        $"--{TelemetryExporters.OtlpEndpointSetting}={receiver.Endpoint.AbsoluteUri.TrimEnd('/')}",
        "--OTEL_BSP_SCHEDULE_DELAY=200",
        "--OTEL_METRIC_EXPORT_INTERVAL=500"]);

    private static async Task<KeyVaultStandIn> VaultAsync()
    {
        var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("videosdk-token", DevHostApplication.EmulatorToken);
        return vault;
    }

    private static async Task<JsonNode> CreateAsync(RunningDevHost host, string body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await host.Client.PostAsync("api/dispatches", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(expected, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static Task<JsonNode> WaitForStateAsync(RunningDevHost host, string id, params string[] states) => host.WaitForJobAsync(id, Deadline, states);

    private static bool IsVideoSdkDispatchCall(OtlpSpan span)
        => span.Kind == OtlpSpanKind.Client && span.Attribute("url.full")?.Contains("/v2/agent/dispatch", StringComparison.Ordinal) == true;

    [Fact]
    public async Task DispatchCreatedNow_OneTraceRunsFromTheInboundPostToTheVideoSdkCall()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var vault = await VaultAsync();
        await using var host = await StartAsync(receiver, vault);

        var created = await CreateAsync(host, """{"meetingId":"otel-now-room","agentId":"MyAgent","correlationId":"otel-corr-1"}""");
        var jobId = (string)created["id"]!;

        var trace = await receiver.WaitForAsync(
            r =>
            {
                var spans = r.Spans;
                var call = spans.FirstOrDefault(s => IsVideoSdkDispatchCall(s) && spans.Any(j => j.TraceId == s.TraceId && j.Attribute(AgentDispatchActivities.JobIdTag) == jobId));
                return call is null || !spans.Any(s => s.TraceId == call.TraceId && s.Kind == OtlpSpanKind.Server) ? null : spans.Where(s => s.TraceId == call.TraceId).ToList();
            },
            Deadline);

        Assert.True(trace is not null, $"no trace with the VideoSDK call, the job id and the inbound request arrived; problems: {string.Join("; ", receiver.Problems)}");
        var inbound = Assert.Single(trace, s => s.Kind == OtlpSpanKind.Server);
        Assert.Equal("POST", inbound.Attribute("http.request.method"));
        Assert.Equal("/api/dispatches", inbound.Attribute("http.route"));
        // (Its parent is the test's own HTTP call: the test runs in the dev host's process, and that
        // call's span, a root HTTP span, is not exported.)
        Assert.Contains(trace, s => s.Name == "function CreateDispatch" && s.ParentSpanId == inbound.SpanId);
        var attempt = Assert.Single(trace, s => s.Name == AgentDispatchActivities.Names.Attempt);
        Assert.Equal((jobId, "otel-corr-1"), (attempt.Attribute(AgentDispatchActivities.JobIdTag), attempt.Attribute(AgentDispatchActivities.CorrelationIdTag)));
        Assert.Contains(trace, s => s.Name == AgentDispatchActivities.Names.LedgerInsert && s.Attribute(AgentDispatchActivities.JobIdTag) == jobId);

        // The VideoSDK call hangs under the attempt: client span → videosdk dispatch → job attempt.
        var call = Assert.Single(trace, IsVideoSdkDispatchCall);
        var dispatch = Assert.Single(trace, s => s.SpanId == call.ParentSpanId);
        Assert.Equal(AgentDispatchActivities.Names.VideoSdkDispatch, dispatch.Name);
        Assert.Equal(attempt.SpanId, dispatch.ParentSpanId);
        // Only VideoSDK's calls keep their path: the Key Vault read (by a secret's name) shows its origin only.
        var otherCalls = receiver.Spans.Where(s => s.Kind == OtlpSpanKind.Client && s.Attribute("url.full") is { } url && url.StartsWith(vault.VaultUri.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(otherCalls);
        Assert.All(otherCalls, s => Assert.EndsWith("/[path hidden]", s.Attribute("url.full"), StringComparison.Ordinal));
        Assert.DoesNotContain(receiver.Spans, s => s.Attributes.Values.Any(v => v.Contains("videosdk-token", StringComparison.Ordinal)));
        Assert.Empty(receiver.Problems);
    }

    [Fact]
    public async Task DispatchScheduledLater_ItsWakeUpLinksBackToTheTraceThatCreatedIt()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var vault = await VaultAsync();
        await using var host = await StartAsync(receiver, vault);

        var dispatchAt = DateTimeOffset.UtcNow.AddSeconds(2).ToString("o");
        var created = await CreateAsync(host, $$"""{"meetingId":"otel-later-room","agentId":"MyAgent","dispatchAt":"{{dispatchAt}}"}""", HttpStatusCode.Accepted);
        var jobId = (string)created["id"]!;
        Assert.Equal("scheduled", (string?)created["state"]);

        var found = await receiver.WaitForAsync(
            r =>
            {
                var spans = r.Spans;
                var submit = spans.FirstOrDefault(s => s.Name == AgentDispatchActivities.Names.Submit && s.Attribute(AgentDispatchActivities.JobIdTag) == jobId);
                var attempt = spans.FirstOrDefault(s => s.Name == AgentDispatchActivities.Names.Attempt && s.Attribute(AgentDispatchActivities.JobIdTag) == jobId);
                var call = attempt is null ? null : spans.FirstOrDefault(s => IsVideoSdkDispatchCall(s) && s.TraceId == attempt.TraceId);
                return submit is null || attempt is null || call is null ? null : new { Submit = submit, Attempt = attempt, Call = call, Spans = spans };
            },
            Deadline);

        Assert.True(found is not null, $"the scheduled job's attempt and VideoSDK call did not arrive; problems: {string.Join("; ", receiver.Problems)}");
        Assert.NotEqual(found.Submit.TraceId, found.Attempt.TraceId);
        var wake = Assert.Single(found.Spans, s => s.Name == AgentDispatchActivities.Names.Wake && s.TraceId == found.Attempt.TraceId);
        Assert.Contains(new OtlpLink(found.Submit.TraceId, found.Submit.SpanId), wake.Links);
        Assert.Contains(found.Spans, s => s.SpanId == wake.ParentSpanId && s.Name == "function DispatchWake" && s.Kind == OtlpSpanKind.Consumer);
        Assert.Contains(new OtlpLink(found.Submit.TraceId, found.Submit.SpanId), found.Attempt.Links);
    }

    [Fact]
    public async Task Metrics_EveryInstrumentOfTheMeterArrives()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var vault = await VaultAsync();
        // A subscriber, so that agentdispatch.notifications counts a delivery.
        await using var subscriber = await AgentDispatch.Testing.Webhooks.StandardWebhookSubscriber.StartAsync();
        await using var host = await StartAsync(
            receiver, vault, "--Notifications:Subscribers:0:Url=" + subscriber.Url.AbsoluteUri, "--Notifications:Subscribers:0:Secret=" + subscriber.Secret);

        var created = await CreateAsync(host, """{"meetingId":"otel-metrics-room","agentId":"MyAgent"}""");
        var done = await WaitForStateAsync(host, (string)created["id"]!, "joined", "not-joined", "failed");
        Assert.Equal("joined", (string?)done["state"]);

        var expected = MetricNames;
        var arrived = await receiver.WaitForAsync(
            r =>
            {
                var names = r.Metrics.Where(m => m.Scope == AgentDispatchMetrics.MeterName).Select(m => m.Name).ToHashSet();
                return expected.All(names.Contains) ? names : null;
            },
            Deadline);

        var seen = receiver.Metrics.Where(m => m.Scope == AgentDispatchMetrics.MeterName).Select(m => m.Name).Distinct().Order();
        Assert.True(arrived is not null, $"missing: {string.Join(", ", expected.Except(seen))}; arrived: {string.Join(", ", seen)}");
    }
}
