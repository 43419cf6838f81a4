namespace AgentDispatch.Storage;

/// <summary>
/// Runs a "create if it does not exist" call once per process, on first use. Concurrent callers
/// share the one call; a failed call is forgotten so the next use tries again.
/// </summary>
public sealed class CreateOnce(Func<CancellationToken, Task> create)
{
    private Task? _created;

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            var attempt = create(cancellationToken);
            created = Interlocked.CompareExchange(ref _created, attempt, created) == created ? attempt : _created!;
        }

        return created;
    }
}
