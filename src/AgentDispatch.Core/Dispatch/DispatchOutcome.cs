namespace AgentDispatch.Dispatch;

/// <summary>What became of one dispatch call. The kinds decide what a caller may safely do next.</summary>
public enum DispatchOutcomeKind
{
    /// <summary>VideoSDK assigned an agent to the meeting.</summary>
    Assigned,

    /// <summary>No worker was free ("No workers available", 429, 503): nothing was dispatched; retry later.</summary>
    Capacity,

    /// <summary>The agent cannot be dispatched as configured ("No Workers Registered", "Agent Not Deployed"): never retried.</summary>
    Configuration,

    /// <summary>VideoSDK refused the token (401/403) even after the token was read again.</summary>
    Unauthorized,

    /// <summary>VideoSDK rejected the request (another 4xx): retrying the same request cannot help.</summary>
    Rejected,

    /// <summary>A 5xx answer, or the request never left this process (connection refused, circuit open).</summary>
    Transient,

    /// <summary>The request was sent but no answer came: an agent may or may not have been dispatched.</summary>
    Unknown,
}

/// <summary>
/// The classified result of a dispatch. <see cref="Message"/> is safe to show to a caller: it is the
/// upstream message or a description written here, never a token or secret.
/// </summary>
public sealed record DispatchOutcome(DispatchOutcomeKind Kind, string Message)
{
    /// <summary>The HTTP status VideoSDK answered with; null when no answer came or the call never left.</summary>
    public int? UpstreamStatus { get; init; }

    /// <summary>How long VideoSDK asked us to wait (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The raw body VideoSDK answered with, when there was one.</summary>
    public string? ResponseBody { get; init; }

    /// <summary>True when the problem is on this side (the token could not be read), not VideoSDK's answer.</summary>
    public bool IsLocal { get; init; }

    /// <summary>True when repeating the same request later may succeed and cannot put a second agent in the meeting.</summary>
    public bool IsRetryable => Kind is DispatchOutcomeKind.Capacity or DispatchOutcomeKind.Transient;
}

public static class DispatchOutcomeNames
{
    /// <summary>The outcome's name in JSON: <c>assigned</c>, <c>capacity</c>, ...</summary>
    public static string ToWire(this DispatchOutcomeKind kind) => kind switch
    {
        DispatchOutcomeKind.Assigned => "assigned",
        DispatchOutcomeKind.Capacity => "capacity",
        DispatchOutcomeKind.Configuration => "configuration",
        DispatchOutcomeKind.Unauthorized => "unauthorized",
        DispatchOutcomeKind.Rejected => "rejected",
        DispatchOutcomeKind.Transient => "transient",
        _ => "unknown",
    };
}
