using AgentDispatch.Microsoft365;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.Sources;

/// <summary>
/// The mailboxes to follow: those of <c>Microsoft365:Mailboxes</c>, then the calendars added through
/// <c>POST /api/calendars</c> with <c>"source": "microsoft365"</c>, read from the catalog at each use, so
/// a mailbox added or deleted is subscribed, synced or dropped at the next timer pass with no restart.
/// When the sources table cannot be read, the settings' mailboxes are still followed.
/// </summary>
public sealed class CatalogMailboxSource(SettingsMailboxSource settings, SourceCatalog catalog, ILogger<CatalogMailboxSource> logger) : IMailboxSource
{
    public async ValueTask<IReadOnlyList<MailboxDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        var configured = await settings.ListAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<MailboxDefinition> runtime;
        try
        {
            runtime = (await catalog.GetAsync(cancellationToken).ConfigureAwait(false)).Mailboxes;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or TimeoutException or AggregateException)
        {
            Log.RuntimeMailboxesUnreadable(logger, ex.GetType().Name);
            return configured;
        }

        return runtime.Count == 0
            ? configured
            : [.. configured, .. runtime.Where(m => !configured.Any(c => string.Equals(c.Name, m.Name, StringComparison.OrdinalIgnoreCase)))];
    }
}
