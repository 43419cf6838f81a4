using System.Diagnostics.CodeAnalysis;

namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>
/// Chances, each in [0, 1] and together at most 1, that a dispatch request meets one fault.
/// One random draw per request picks at most one of them.
/// </summary>
/// <param name="Error503Rate">Answer 503 "Service Unavailable" without dispatching.</param>
/// <param name="Error429Rate">Answer 429 "Too Many Requests" with <c>Retry-After</c>, without dispatching.</param>
/// <param name="SlowRate">Dispatch, then answer only after <paramref name="SlowDelay"/>: a client that times out meanwhile has still dispatched an agent.</param>
/// <param name="SlowDelay">How late a slow answer comes (JSON: "hh:mm:ss.fff").</param>
/// <param name="DropRate">Dispatch, then abort the connection without answering.</param>
/// <param name="RetryAfterSeconds">The <c>Retry-After</c> value of 429 answers.</param>
/// <remarks>
/// Positional so that JSON with fields left out keeps these defaults: the source generator sets
/// every init-only property, missing or not, which would turn RetryAfterSeconds into 0.
/// </remarks>
public sealed record FaultSettings(
    double Error503Rate = 0,
    double Error429Rate = 0,
    double SlowRate = 0,
    TimeSpan SlowDelay = default,
    double DropRate = 0,
    int RetryAfterSeconds = 1)
{
    public static FaultSettings None { get; } = new();

    internal bool IsNone => Error503Rate == 0 && Error429Rate == 0 && SlowRate == 0 && DropRate == 0;

    /// <summary>Checks the ranges; <paramref name="error"/> names the first offending field.</summary>
    public bool IsValid([NotNullWhen(false)] out string? error)
    {
        error = CheckRate(Error503Rate, "error503Rate")
            ?? CheckRate(Error429Rate, "error429Rate")
            ?? CheckRate(SlowRate, "slowRate")
            ?? CheckRate(DropRate, "dropRate");
        if (error is not null)
        {
            return false;
        }

        // A small tolerance so that rates such as 0.1 + 0.2 + 0.7 are not refused for rounding.
        if (Error503Rate + Error429Rate + SlowRate + DropRate > 1 + 1e-9)
        {
            error = "The fault rates must add up to at most 1.";
            return false;
        }

        if (SlowDelay < TimeSpan.Zero)
        {
            error = "slowDelay must not be negative.";
            return false;
        }

        if (RetryAfterSeconds < 0)
        {
            error = "retryAfterSeconds must not be negative.";
            return false;
        }

        return true;
    }

    private static string? CheckRate(double rate, string name) =>
        double.IsFinite(rate) && rate is >= 0 and <= 1 ? null : $"{name} must be between 0 and 1.";
}
