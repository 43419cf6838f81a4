using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>What became of a mailbox's subscription.</summary>
public enum SubscriptionOutcome
{
    /// <summary>No notification URL is configured: the mailbox is read by the timer's delta alone.</summary>
    NotConfigured,
    Created,
    Renewed,
    Reauthorized,
    Unchanged,
    Failed,
}

/// <summary>
/// Keeps one Graph subscription per mailbox on its events (<c>created,updated,deleted</c>): created with a
/// fresh random clientState whose hash alone is kept, renewed when less than
/// <c>Microsoft365:RenewAtRemaining</c> of its lifetime is left, created again when Graph has removed
/// it, reauthorized when Graph asks. A failure is the mailbox's <c>subscriptionError</c>, logged once per change.
/// </summary>
public sealed class MailboxSubscriptions(
    GraphClients graph,
    MailboxStateStore store,
    IOptions<Microsoft365Options> options,
    TimeProvider time,
    ILogger<MailboxSubscriptions> logger)
{
    public const string LifecycleSuffix = "/lifecycle";

    /// <summary>Creates the subscription if the mailbox has none (or one for another mailbox setting), renews it when due.</summary>
    public async Task<SubscriptionOutcome> EnsureAsync(MailboxDefinition mailbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if (options.Value.NotificationUrl is null)
        {
            await RecordAsync(mailbox, null, "Microsoft365:NotificationUrl is not set: no change notifications; the mailbox is read every Microsoft365:ResyncInterval.", cancellationToken).ConfigureAwait(false);
            return SubscriptionOutcome.NotConfigured;
        }

        var state = await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (state?.SubscriptionId is null || state.SubscribedMailbox != mailbox.Mailbox || state.SubscriptionExpiresAt is not { } expires || expires <= now)
        {
            return await CreateAsync(mailbox, state, cancellationToken).ConfigureAwait(false);
        }

        var lifetime = options.Value.SubscriptionLifetime;
        if (expires - now >= lifetime * options.Value.RenewAtRemaining)
        {
            return SubscriptionOutcome.Unchanged;
        }

        return await RenewAsync(mailbox, state.SubscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Graph removed the subscription (<c>subscriptionRemoved</c>): a new one, with a new clientState.</summary>
    public async Task<SubscriptionOutcome> RecreateAsync(MailboxDefinition mailbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if (options.Value.NotificationUrl is null)
        {
            return SubscriptionOutcome.NotConfigured;
        }

        var state = await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false);
        return await CreateAsync(mailbox, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Graph asks to reauthorize (<c>reauthorizationRequired</c>); a renewal does as well, and is the fallback.</summary>
    public async Task<SubscriptionOutcome> ReauthorizeAsync(MailboxDefinition mailbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        var state = await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false);
        if (state?.SubscriptionId is not { } id)
        {
            return await EnsureAsync(mailbox, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await UseAsync(async c => { await c.ReauthorizeAsync(id, cancellationToken).ConfigureAwait(false); return true; }).ConfigureAwait(false);
            await RecordAsync(mailbox, state, null, cancellationToken).ConfigureAwait(false);
            Log.SubscriptionReauthorized(logger, mailbox.Name);
            return SubscriptionOutcome.Reauthorized;
        }
        catch (GraphRequestException ex) when (ex.Kind == GraphFailureKind.NotFound)
        {
            return await CreateAsync(mailbox, state, cancellationToken).ConfigureAwait(false);
        }
        catch (GraphRequestException)
        {
            return await RenewAsync(mailbox, id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SubscriptionOutcome> RenewAsync(MailboxDefinition mailbox, string subscriptionId, CancellationToken cancellationToken)
    {
        var expiresAt = time.GetUtcNow() + options.Value.SubscriptionLifetime;
        try
        {
            var renewed = await UseAsync(c => c.RenewAsync(subscriptionId, expiresAt, cancellationToken)).ConfigureAwait(false);
            await store.UpdateAsync(mailbox.Name, s => s with { SubscriptionExpiresAt = renewed.ExpiresAt, SubscriptionError = null }, cancellationToken).ConfigureAwait(false);
            Log.SubscriptionRenewed(logger, mailbox.Name, renewed.ExpiresAt);
            return SubscriptionOutcome.Renewed;
        }
        catch (GraphRequestException ex) when (ex.Kind == GraphFailureKind.NotFound)
        {
            // Gone at Graph (expired, or removed without a lifecycle notification reaching the app): subscribe anew.
            return await CreateAsync(mailbox, await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (GraphRequestException ex)
        {
            var state = await store.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false);
            await RecordAsync(mailbox, state, "Renewing the subscription failed: " + MailboxProblems.Describe(mailbox, ex), cancellationToken).ConfigureAwait(false);
            return SubscriptionOutcome.Failed;
        }
    }

    private async Task<SubscriptionOutcome> CreateAsync(MailboxDefinition mailbox, MailboxState? state, CancellationToken cancellationToken)
    {
        var notificationUrl = options.Value.NotificationUrl!;
        var lifecycleUrl = new Uri(notificationUrl.AbsoluteUri.TrimEnd('/') + LifecycleSuffix);
        var clientState = ClientStates.NewValue();
        var hash = ClientStates.Hash(clientState);
        using var client = graph.Create();
        GraphSubscription created;
        try
        {
            // Graph calls the notification URL with a validation token before it answers: the app must be reachable.
            created = await client.SubscribeAsync(
                mailbox.Mailbox, notificationUrl, lifecycleUrl, clientState, time.GetUtcNow() + options.Value.SubscriptionLifetime, cancellationToken).ConfigureAwait(false);
        }
        catch (GraphRequestException ex)
        {
            await RecordAsync(mailbox, state, "Subscribing to the mailbox's events failed: " + MailboxProblems.Describe(mailbox, ex), cancellationToken).ConfigureAwait(false);
            return SubscriptionOutcome.Failed;
        }

        // The lookup row first: a notification can arrive before the mailbox row says which subscription it has.
        await store.PutSubscriptionAsync(created.Id, mailbox.Name, hash, cancellationToken).ConfigureAwait(false);
        var previous = state?.SubscriptionId;
        await store.UpdateAsync(
            mailbox.Name,
            s => s with
            {
                SubscriptionId = created.Id,
                SubscriptionExpiresAt = created.ExpiresAt,
                ClientStateHash = hash,
                SubscribedMailbox = mailbox.Mailbox,
                SubscriptionError = null,
            },
            cancellationToken).ConfigureAwait(false);
        Log.Subscribed(logger, mailbox.Name, created.ExpiresAt);

        if (previous is not null && previous != created.Id)
        {
            await store.DeleteSubscriptionAsync(previous, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.DeleteSubscriptionAsync(previous, cancellationToken).ConfigureAwait(false);
            }
            catch (GraphRequestException)
            {
                // Usually gone already; one left behind expires on its own, and its notifications no longer verify.
            }
        }

        return SubscriptionOutcome.Created;
    }

    private async Task<T> UseAsync<T>(Func<GraphMailboxClient, Task<T>> call)
    {
        using var client = graph.Create();
        return await call(client).ConfigureAwait(false);
    }

    /// <summary>Stores the subscription's error (null: none), logging only when it changed.</summary>
    private async Task RecordAsync(MailboxDefinition mailbox, MailboxState? state, string? error, CancellationToken cancellationToken)
    {
        if (state is not null && state.SubscriptionError == error)
        {
            return;
        }

        var changed = false;
        await store.UpdateAsync(
            mailbox.Name,
            s =>
            {
                changed = s.SubscriptionError != error;
                return changed ? s with { SubscriptionError = error } : null;
            },
            cancellationToken).ConfigureAwait(false);
        if (changed && error is not null)
        {
            Log.SubscriptionFailing(logger, mailbox.Name, error);
        }
    }
}
