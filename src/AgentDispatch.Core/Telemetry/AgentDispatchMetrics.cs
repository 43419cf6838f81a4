using System.Diagnostics.Metrics;
using AgentDispatch.Dispatch;

namespace AgentDispatch.Telemetry;

/// <summary>
/// The app's metrics, on the <c>AgentDispatch</c> meter (<see cref="System.Diagnostics.Metrics"/>,
/// created through the host's <see cref="IMeterFactory"/>): what an OpenTelemetry exporter or
/// <c>dotnet-counters</c> reads. Tags are low-cardinality on purpose — no meeting, agent or job ids.
/// </summary>
public sealed class AgentDispatchMetrics
{
    public const string MeterName = "AgentDispatch";

    private readonly Counter<long> _dispatches;
    private readonly Histogram<double> _dispatchDuration;
    private readonly Histogram<double> _lateness;
    private readonly Histogram<double> _joinLatency;
    private readonly Counter<long> _keyVaultReads;
    private readonly Counter<long> _notifications;
    private readonly Counter<long> _graphNotifications;

    public AgentDispatchMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter = meters.Create(MeterName);
        _dispatches = Meter.CreateCounter<long>("agentdispatch.dispatches", description: "Dispatch calls to VideoSDK, by outcome.");
        _dispatchDuration = Meter.CreateHistogram<double>("agentdispatch.dispatch.duration", "ms", "How long one dispatch call to VideoSDK took, token read and retries included.");
        _lateness = Meter.CreateHistogram<double>("agentdispatch.schedule.lateness", "ms", "From a job's dispatchAt to its first request going out.");
        _joinLatency = Meter.CreateHistogram<double>("agentdispatch.join.latency", "ms", "From a job's first request to its agent joining the room.");
        _keyVaultReads = Meter.CreateCounter<long>("agentdispatch.keyvault.reads", description: "Secrets read from Key Vault, by result.");
        _notifications = Meter.CreateCounter<long>("agentdispatch.notifications", description: "Status-event delivery attempts to subscribers, by result.");
        _graphNotifications = Meter.CreateCounter<long>("agentdispatch.microsoft365.notifications", description: "Graph change and lifecycle notifications received, by result (accepted, unknown-subscription, client-state-mismatch, malformed).");
    }

    /// <summary>The meter itself, for a listener that must tell this app's measurements from another's in the same process.</summary>
    public Meter Meter { get; }

    public void Dispatched(DispatchOutcomeKind outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.ToWire());
        _dispatches.Add(1, tag);
        _dispatchDuration.Record(duration.TotalMilliseconds, tag);
    }

    public void FirstSent(TimeSpan lateness, string source) => _lateness.Record(lateness.TotalMilliseconds, new KeyValuePair<string, object?>("source", source));

    /// <remarks>The join time can come from VideoSDK's clock: a join a little "before" the request (skew) counts as 0.</remarks>
    public void AgentJoined(TimeSpan latency, string confirmedBy)
        => _joinLatency.Record(Math.Max(0, latency.TotalMilliseconds), new KeyValuePair<string, object?>("confirmed_by", confirmedBy));

    /// <summary>One delivery attempt of a status event (or one event lost before it was queued); <paramref name="result"/> is one of <see cref="Notifications.NotificationResults"/>.</summary>
    public void Notification(string result) => _notifications.Add(1, new KeyValuePair<string, object?>("result", result));

    public void GraphNotification(string result) => _graphNotifications.Add(1, new KeyValuePair<string, object?>("result", result));

    public void KeyVaultRead(bool succeeded) => _keyVaultReads.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "failed"));
}
