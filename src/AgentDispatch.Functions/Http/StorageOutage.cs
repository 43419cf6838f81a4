using AgentDispatch.Storage;
using Azure;
using Azure.Identity;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Functions.Http;

/// <summary>
/// The one answer every HTTP function gives when Storage (the ledger, the queues) fails or is too slow:
/// <c>503 application/problem+json</c> with <c>Retry-After</c>, never the host's 500. Nothing is lost by
/// it: every change is keyed, so the caller's retry lands on the same job.
/// </summary>
public static class StorageOutage
{
    public const string ProblemType = "storage-unavailable";

    /// <summary>Seconds a caller is asked to wait: about as long as a brief Storage outage or throttling lasts.</summary>
    public const int RetryAfterSeconds = 10;

    /// <param name="deadline">How long the work may take before it is answered 503; null for no limit of its own.</param>
    /// <param name="problemType">The problem type to answer with, for routes that documented their own.</param>
    public static async Task<IResult> GuardAsync(
        Func<CancellationToken, Task<IResult>> handle, CancellationToken cancellationToken, TimeSpan? deadline = null, string problemType = ProblemType)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } after)
        {
            limit.CancelAfter(after);
        }

        try
        {
            return await handle(limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex) || (ex is OperationCanceledException && limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            return Unavailable(problemType);
        }
    }

    public static IResult Unavailable(string problemType = ProblemType) => new WithHeaderResult(
        Problems.Status(
            StatusCodes.Status503ServiceUnavailable, problemType, "Storage is unavailable right now; retry the request.",
            "Storage did not answer in time or failed; nothing was half-done."),
        "Retry-After",
        RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A failure of Storage itself or of the credential it is reached with, after the SDK's own retries.</summary>
    private static bool IsOutage(Exception ex) => ex is RequestFailedException or AuthenticationFailedException || StorageFailures.IsTransient(ex, out _);
}
