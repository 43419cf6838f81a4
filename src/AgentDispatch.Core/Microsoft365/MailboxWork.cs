using Microsoft.Extensions.Logging;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// Runs one queued piece of mailbox work: a sync (skipped when a sync that began after the notification
/// already covered it), a full resync, a new subscription, a reauthorization. A throttled sync is queued
/// again for when Graph allows it, never earlier.
/// </summary>
public sealed class MailboxWork(
    IMailboxSource mailboxes,
    MailboxStateStore store,
    MailboxSync sync,
    MailboxSubscriptions subscriptions,
    MailboxWorkQueue queue,
    TimeProvider time,
    ILogger<MailboxWork> logger)
{
    public async Task HandleAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (MailboxWorkQueue.Read(body) is not { } message)
        {
            Log.WorkUnreadable(logger);
            return;
        }

        await HandleAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MailboxSyncReport?> HandleAsync(MailboxWorkMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var all = await mailboxes.ListAsync(cancellationToken).ConfigureAwait(false);
        if (all.FirstOrDefault(m => string.Equals(m.Name, message.Mailbox, StringComparison.OrdinalIgnoreCase)) is not { } mailbox)
        {
            Log.WorkForUnknownMailbox(logger, message.Mailbox);
            return null;
        }

        switch (message.Action)
        {
            case MailboxActions.Resubscribe:
                await subscriptions.RecreateAsync(mailbox, cancellationToken).ConfigureAwait(false);
                break;
            case MailboxActions.Reauthorize:
                await subscriptions.ReauthorizeAsync(mailbox, cancellationToken).ConfigureAwait(false);
                return null;
            case MailboxActions.Sync:
                // Covered only by a sync that began after the message and succeeded: one that began and then
                // failed leaves the change to this message.
                if (await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false) is { LastSyncStartedAt: { } started, LastSyncAt: { } done, ThrottledUntil: null }
                    && started > message.At && done >= started)
                {
                    Log.SyncCovered(logger, mailbox.Name);
                    return null;
                }

                break;
        }

        var report = await sync.SyncAsync(mailbox, full: message.Action == MailboxActions.Resync, cancellationToken).ConfigureAwait(false);
        if (report.RetryAt is { } retryAt)
        {
            // Stamped now, after the throttled sync began, so that it is not taken for covered.
            var now = time.GetUtcNow();
            await queue.SendAsync(message with { At = now }, retryAt - now, cancellationToken).ConfigureAwait(false);
        }

        return report;
    }
}
