using System.Diagnostics;
using AgentDispatch.Jobs;

namespace AgentDispatch.Telemetry;

/// <summary>
/// The app's spans, on the <c>AgentDispatch</c> <see cref="ActivitySource"/> (the same name as the
/// meter in <see cref="AgentDispatchMetrics"/>). Unlike the metrics, spans carry a job's ids: a trace is
/// one job's story, looked up by its id. With no listener (no exporter configured) every
/// <c>Start</c> returns null and costs a check.
/// </summary>
/// <remarks>
/// One static source, as the .NET guidance has it: an <see cref="ActivitySource"/> holds no state of
/// its own, and listeners subscribe by name, so there is nothing to inject.
/// </remarks>
public static class AgentDispatchActivities
{
    public const string SourceName = "AgentDispatch";

    public const string JobIdTag = "agentdispatch.job.id";
    public const string CorrelationIdTag = "agentdispatch.correlation.id";
    public const string SourceTag = "agentdispatch.job.source";
    public const string StateTag = "agentdispatch.job.state";
    public const string AttemptTag = "agentdispatch.job.attempt";
    public const string OutcomeTag = "agentdispatch.outcome";
    public const string MeetingIdTag = "agentdispatch.meeting.id";
    public const string AgentIdTag = "agentdispatch.agent.id";

    /// <summary>Span names: a verb on a thing, low-cardinality (the ids go in tags).</summary>
    public static class Names
    {
        public const string Submit = "job submit";
        public const string Wake = "job wake";
        public const string Attempt = "job attempt";
        public const string Look = "job look";
        public const string Recover = "job recover";
        public const string Sweep = "ledger sweep";
        public const string Maintenance = "ledger maintenance";
        public const string LedgerInsert = "ledger insert";
        public const string LedgerRead = "ledger read";
        public const string LedgerReplace = "ledger replace";
        public const string LedgerList = "ledger list";
        public const string VideoSdkDispatch = "videosdk dispatch";
    }

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>An internal span, a child of whatever is current (the trigger's span).</summary>
    public static Activity? Start(string name) => Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>A span about one job: its id, correlation id and source as tags.</summary>
    public static Activity? StartJob(string name, DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Start(name)?.WithJob(job);
    }

    /// <summary>Tags <paramref name="activity"/> with the job's ids, and links it to the trace that created the job when that is another trace.</summary>
    public static Activity WithJob(this Activity activity, DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(job);
        activity.SetTag(JobIdTag, job.Id);
        activity.SetTag(SourceTag, job.Source);
        if (job.CorrelationId is { } correlationId)
        {
            activity.SetTag(CorrelationIdTag, correlationId);
        }

        if (CreatedBy(job) is { } creator && creator.TraceId != activity.TraceId && !activity.Links.Any(l => l.Context.TraceId == creator.TraceId))
        {
            activity.AddLink(new ActivityLink(creator));
        }

        return activity;
    }

    /// <summary>The W3C <c>traceparent</c> of the current span, to keep with a job it creates; null when nothing is traced.</summary>
    public static string? CurrentTraceParent()
        => Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : null;

    /// <summary>The span that created the job, from its stored <c>traceparent</c>; null when none was stored or it does not parse.</summary>
    public static ActivityContext? CreatedBy(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, out var context) ? context : null;
    }
}
