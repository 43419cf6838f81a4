using Microsoft.Extensions.Logging;

namespace AgentDispatch.Microsoft365;

/// <summary>What one timer run did.</summary>
public sealed record MailboxMaintenanceReport(int Mailboxes, int Subscribed, int Renewed, int SubscriptionsFailed, int SyncsQueued);

/// <summary>
/// The timer's pass over every mailbox: its subscription created or renewed when due, and a sync queued
/// when its <c>nextSyncAt</c> has come (every <c>Microsoft365:ResyncInterval</c> after the last good
/// sync, sooner after a failure, never before a throttle ends). This is what catches a lost
/// notification: the delta reads every change since the stored link, notified or not.
/// </summary>
public sealed class MailboxMaintenance(
    IMailboxSource mailboxes,
    MailboxStateStore store,
    MailboxSubscriptions subscriptions,
    MailboxWorkQueue queue,
    TimeProvider time,
    ILogger<MailboxMaintenance> logger)
{
    public async Task<MailboxMaintenanceReport> RunAsync(CancellationToken cancellationToken)
    {
        var all = await mailboxes.ListAsync(cancellationToken).ConfigureAwait(false);
        int subscribed = 0, renewed = 0, failed = 0, queued = 0;
        foreach (var mailbox in all)
        {
            try
            {
                switch (await subscriptions.EnsureAsync(mailbox, cancellationToken).ConfigureAwait(false))
                {
                    case SubscriptionOutcome.Created: subscribed++; break;
                    case SubscriptionOutcome.Renewed: renewed++; break;
                    case SubscriptionOutcome.Failed: failed++; break;
                }

                var now = time.GetUtcNow();
                var state = await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false);
                var due = state?.ThrottledUntil is { } until && until > now ? until : state?.NextSyncAt;
                if (due is null || due <= now)
                {
                    await queue.SendAsync(new MailboxWorkMessage(mailbox.Name, MailboxActions.Sync, now), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                    queued++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage failing for one mailbox must not starve the others; the next run tries again.
                Log.MaintenanceFailed(logger, mailbox.Name, ex);
            }
        }

        Log.Maintained(logger, all.Count, subscribed, renewed, failed, queued);
        return new MailboxMaintenanceReport(all.Count, subscribed, renewed, failed, queued);
    }
}
