using Azure;

namespace AgentDispatch.Storage;

/// <summary>
/// Which Storage failures are worth trying again. After its own retries, Azure.Core throws a
/// <see cref="RequestFailedException"/> for an answer it gave up on, but an
/// <see cref="AggregateException"/> ("Retry failed after N tries") when Storage could not be reached
/// at all (connection refused, reset, timed out): both are the same outage.
/// </summary>
public static class StorageFailures
{
    /// <param name="status">The HTTP status of the failure; 0 when there was no answer.</param>
    public static bool IsTransient(Exception exception, out int status)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case RequestFailedException failed:
                status = failed.Status;
                return failed.Status is 0 or 408 or 429 or >= 500;
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                status = 0;
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (!(inner is IOException or HttpRequestException or TimeoutException or TaskCanceledException || (inner is RequestFailedException && IsTransient(inner, out _))))
                    {
                        return false;
                    }
                }

                return true;
            default:
                status = 0;
                return false;
        }
    }
}
