using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using AgentDispatch.Events.Routing;
using AgentDispatch.Requests;
using AgentDispatch.Schedules;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

/// <summary>A calendar added through the API, ready to poll; <see cref="Error"/> says why it cannot be (its URL could not be decrypted).</summary>
public sealed record RuntimeCalendar(CalendarFeedOptions Feed, string? Error);

/// <summary>The sources added through the API, as the poller, the schedule runner and the router use them.</summary>
public sealed record RuntimeSources(IReadOnlyList<RuntimeCalendar> Calendars, IReadOnlyList<Schedule> Schedules, IReadOnlyList<Router.CompiledRule> Rules)
{
    public static RuntimeSources None { get; } = new([], [], []);

    /// <summary>The calendars that are Microsoft 365 mailboxes (<c>"source": "microsoft365"</c>): followed through Graph, not polled.</summary>
    public IReadOnlyList<Microsoft365.MailboxDefinition> Mailboxes { get; init; } = [];
}

/// <summary>
/// The runtime sources, read from the table again only when they changed: each use costs one point read
/// of the table's generation row, whose ETag every write through the API changes. So a calendar, schedule
/// or rule added, changed or deleted on any instance is in effect at the next poll, run or event there,
/// without a restart and without waiting out a cache. When the table cannot be read, the last copy read
/// is used for up to <see cref="StaleFor"/>, then the failure is thrown (a poll or event then fails as for
/// any Storage outage, rather than acting on sources it cannot see).
/// </summary>
public sealed class SourceCatalog(
    SourceStore store,
    FeedUrlProtector urls,
    IOptions<KeyVaultOptions> vault,
    TimeProvider time,
    ILogger<SourceCatalog> logger)
{
    /// <summary>How long a copy read before a Storage failure is still used.</summary>
    public static readonly TimeSpan StaleFor = TimeSpan.FromMinutes(5);

    // Swapped whole (a reference), so no reader sees one generation with another's sources.
    private volatile Snapshot? _cached;

    public async Task<RuntimeSources> GetAsync(CancellationToken cancellationToken)
    {
        string? generation;
        try
        {
            generation = await store.GenerationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _cached is { } stale && time.GetUtcNow() - stale.ReadAt < StaleFor)
        {
            Log.CatalogStale(logger, ex.GetType().Name);
            return stale.Sources;
        }

        if (generation is null)
        {
            return RuntimeSources.None;
        }

        if (_cached is { } cached && cached.Generation == generation)
        {
            _cached = cached with { ReadAt = time.GetUtcNow() };
            return cached.Sources;
        }

        // Two uses at once after a change may both read the table: rare, and both read the same. A copy
        // with a URL that could not be decrypted (Key Vault down a moment) is not kept as this generation's,
        // so the next use tries again rather than waiting for the next write.
        var sources = await ReadAsync(cancellationToken).ConfigureAwait(false);
        _cached = new Snapshot(sources.Calendars.Any(c => c.Error is not null) ? null : generation, sources, time.GetUtcNow());
        return sources;
    }

    private sealed record Snapshot(string? Generation, RuntimeSources Sources, DateTimeOffset ReadAt);

    private async Task<RuntimeSources> ReadAsync(CancellationToken cancellationToken)
    {
        var calendars = new List<RuntimeCalendar>();
        var mailboxes = new List<Microsoft365.MailboxDefinition>();
        foreach (var stored in await store.ListAsync(SourceKind.Calendar, cancellationToken).ConfigureAwait(false))
        {
            var errors = new RequestErrors();
            if (SourceDefinitions.ReadCalendar(stored.Spec.DeepClone().AsObject().WithUrlPlaceholder(stored.ProtectedUrl), vault.Value.VaultUri is not null, errors) is not { } definition)
            {
                // Checked when it was written; a vault since removed, say. The poller shows it on the calendar.
                calendars.Add(new RuntimeCalendar(new CalendarFeedOptions { Name = stored.Name }, "its stored definition is no longer valid: " + errors));
                continue;
            }

            if (definition.Mailbox is { } mailbox)
            {
                mailboxes.Add(mailbox);
                continue;
            }

            var feed = definition.Feed;
            string? error = null;
            if (stored.ProtectedUrl is { } protectedUrl)
            {
                try
                {
                    feed.Url = await urls.UnprotectAsync(stored.Name, protectedUrl, cancellationToken).ConfigureAwait(false);
                }
                catch (SourceKeyUnavailableException ex)
                {
                    feed.Url = null;
                    error = "its URL could not be decrypted: " + ex.Message;
                }
            }

            calendars.Add(new RuntimeCalendar(feed, error));
        }

        var schedules = new List<Schedule>();
        foreach (var stored in await store.ListAsync(SourceKind.Schedule, cancellationToken).ConfigureAwait(false))
        {
            var errors = new RequestErrors();
            if (SourceDefinitions.ReadSchedule(stored.Spec, errors) is { } schedule)
            {
                schedules.Add(schedule);
            }
            else
            {
                Log.StoredInvalid(logger, SourceKind.Schedule, stored.Name, errors.ToString());
            }
        }

        var rules = new List<Router.CompiledRule>();
        foreach (var stored in await store.ListAsync(SourceKind.Rule, cancellationToken).ConfigureAwait(false))
        {
            var errors = new RequestErrors();
            if (SourceDefinitions.ReadRule(stored.Spec, errors) is { } rule)
            {
                rules.Add(rule);
            }
            else
            {
                Log.StoredInvalid(logger, SourceKind.Rule, stored.Name, errors.ToString());
            }
        }

        return new RuntimeSources(calendars, schedules, rules) { Mailboxes = mailboxes };
    }
}

internal static class SpecExtensions
{
    /// <summary>
    /// Stands in for the encrypted URL while the rest of a stored calendar is checked: the URL itself was
    /// checked when it was written, and is decrypted only when the feed is polled.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject WithUrlPlaceholder(this System.Text.Json.Nodes.JsonObject spec, string? protectedUrl)
    {
        if (protectedUrl is not null)
        {
            spec["url"] = "https://stored.invalid/";
        }

        return spec;
    }
}
