using AgentDispatch.Auth;
using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using AgentDispatch.Confirmation;
using AgentDispatch.Jobs;
using AgentDispatch.Notifications;
using AgentDispatch.Schedules;
using AgentDispatch.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Status;

/// <summary>
/// Gathers the status page's report, reading a bounded amount however large the ledger grows: at most
/// <see cref="MaxJobsRead"/> jobs in the ledger's own order (by job id, which is a hash: a sample, not the
/// newest) for counts and outcomes, in <see cref="MaxJobPages"/> queries, and for the timeline one page of
/// the <c>dispatchAt</c> index from an hour ago on — at most <see cref="MaxScheduledRead"/> jobs, each a
/// point read.
/// </summary>
public sealed class StatusReader
{
    public const int PageSize = 200;

    /// <summary>Pages of all jobs read per page load.</summary>
    public const int MaxJobPages = 5;

    public const int MaxJobsRead = PageSize * MaxJobPages;

    /// <summary>Jobs read for the timeline: one page of the <c>dispatchAt</c> index.</summary>
    public const int MaxScheduledRead = 100;

    /// <summary>How far back the timeline starts: jobs still being dispatched or retried.</summary>
    public static readonly TimeSpan TimelineFrom = TimeSpan.FromHours(1);

    /// <summary>Rows in the timeline's table and in the latest outcomes.</summary>
    public const int MaxUpcoming = 50;

    public const int MaxLatest = 25;

    private readonly DispatchLedger _ledger;
    private readonly INotificationBacklog? _backlog;
    private readonly IVideoSdkTokenProvider _tokens;
    private readonly IOptions<WebhookOptions> _webhooks;
    private readonly IOptions<KeyVaultOptions> _vault;
    private readonly IOptions<CalendarOptions> _calendars;
    private readonly ScheduleRunner _schedules;
    private readonly IOptions<ConfirmationOptions> _confirmation;
    private readonly IOptions<NotificationsOptions> _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger<StatusReader> _logger;
    private readonly Sources.SourceStore? _sources;
    private readonly Microsoft365.IMailboxSource? _mailboxes;
    private readonly Microsoft365.MailboxStateStore? _mailboxStates;

    /// <param name="backlog">Optional: without one, the page says notifications are not configured.</param>
    public StatusReader(
        DispatchLedger ledger,
        IVideoSdkTokenProvider tokens,
        IOptions<WebhookOptions> webhooks,
        IOptions<KeyVaultOptions> vault,
        IOptions<CalendarOptions> calendars,
        ScheduleRunner schedules,
        IOptions<ConfirmationOptions> confirmation,
        IOptions<NotificationsOptions> notifications,
        TimeProvider time,
        ILogger<StatusReader> logger,
        INotificationBacklog? backlog = null,
        Sources.SourceStore? sources = null,
        Microsoft365.IMailboxSource? mailboxes = null,
        Microsoft365.MailboxStateStore? mailboxStates = null)
    {
        _sources = sources;
        _mailboxes = mailboxes;
        _mailboxStates = mailboxStates;
        _ledger = ledger;
        _tokens = tokens;
        _webhooks = webhooks;
        _vault = vault;
        _calendars = calendars;
        _schedules = schedules;
        _confirmation = confirmation;
        _notifications = notifications;
        _time = time;
        _logger = logger;
        _backlog = backlog;
    }

    public async Task<StatusReport> ReadAsync(CancellationToken cancellationToken)
    {
        var backlog = ReadBacklogAsync(cancellationToken);
        var mailboxes = ReadMailboxesAsync(cancellationToken);
        var (sample, moreInLedger) = await ReadPagesAsync(MaxJobPages, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var timeline = await _ledger.ListAsync(new JobFilter(From: now - TimelineFrom), MaxScheduledRead, null, cancellationToken).ConfigureAwait(false);
        var scheduled = timeline?.Items.Where(j => j.State is JobState.Scheduled or JobState.Dispatching).ToList() ?? [];
        var moreScheduled = timeline?.Next is not null;

        var all = new Dictionary<string, DispatchJob>(StringComparer.Ordinal);
        foreach (var job in sample.Concat(scheduled))
        {
            all[job.Id] = job;
        }

        var upcoming = all.Values
            .Where(j => j.State is JobState.Scheduled or JobState.Dispatching)
            .OrderBy(j => j.DueAt).ThenBy(j => j.Id, StringComparer.Ordinal)
            .Take(MaxUpcoming);
        var latest = all.Values
            .Where(j => j.State != JobState.Scheduled || j.LastOutcome is not null)
            .OrderByDescending(j => j.UpdatedAt).ThenBy(j => j.Id, StringComparer.Ordinal)
            .Take(MaxLatest);
        var counts = sample
            .GroupBy(j => (j.Source, j.State))
            .OrderBy(g => g.Key.Source, StringComparer.Ordinal).ThenBy(g => g.Key.State)
            .Select(g => new StatusCount(g.Key.Source, JobStates.Wire(g.Key.State), g.Count()))
            .ToList();

        return new StatusReport
        {
            GeneratedAt = _time.GetUtcNow(),
            Sample = new StatusSample(sample.Count, MaxJobsRead, moreInLedger, scheduled.Count, moreScheduled),
            Upcoming = upcoming.Select(View).ToList(),
            Latest = latest.Select(View).ToList(),
            Counts = counts,
            Backlog = await backlog.ConfigureAwait(false),
            Configuration = await WithRuntimeSourcesAsync(Configuration(), cancellationToken).ConfigureAwait(false),
            Mailboxes = (await mailboxes.ConfigureAwait(false)).Mailboxes,
            MailboxesProblem = (await mailboxes.ConfigureAwait(false)).Problem,
        };
    }

    private async Task<(IReadOnlyList<StatusMailbox> Mailboxes, string? Problem)> ReadMailboxesAsync(CancellationToken cancellationToken)
    {
        if (_mailboxes is null || _mailboxStates is null)
        {
            return ([], null);
        }

        try
        {
            var defined = await _mailboxes.ListAsync(cancellationToken).ConfigureAwait(false);
            if (defined.Count == 0)
            {
                return ([], null);
            }

            var states = (await _mailboxStates.ListAsync(cancellationToken).ConfigureAwait(false))
                .ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
            return (defined.Select(m =>
            {
                var s = states.GetValueOrDefault(m.Name);
                return new StatusMailbox(
                    m.Name, m.Mailbox, s?.SubscriptionId is not null && s.SubscriptionError is null, s?.SubscriptionExpiresAt, s?.SubscriptionError,
                    s?.LastSyncAt, s?.NextSyncAt, s?.LastError, s?.LastErrorAt);
            }).ToList(), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.BacklogUnreadable(_logger, ex.GetType().Name, ex);
            return ([], $"could not be read ({ex.GetType().Name})");
        }
    }

    private async Task<(List<DispatchJob> Jobs, bool More)> ReadPagesAsync(int maxPages, CancellationToken cancellationToken)
    {
        var jobs = new List<DispatchJob>();
        string? cursor = null;
        for (var pages = 0; pages < maxPages; pages++)
        {
            // A cursor the ledger itself gave out is never refused; null would only mean the table changed shape.
            if (await _ledger.ListAsync(new JobFilter(), PageSize, cursor, cancellationToken).ConfigureAwait(false) is not { } page)
            {
                break;
            }

            jobs.AddRange(page.Items);
            cursor = page.Next;
            if (cursor is null)
            {
                break;
            }
        }

        return (jobs, cursor is not null);
    }

    private async Task<StatusBacklog?> ReadBacklogAsync(CancellationToken cancellationToken)
    {
        if (_backlog is null)
        {
            return null;
        }

        try
        {
            return new StatusBacklog(await _backlog.ReadAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only the kind of failure: a storage error's message can carry account URLs.
            Log.BacklogUnreadable(_logger, ex.GetType().Name, ex);
            return new StatusBacklog(null, $"could not be read ({ex.GetType().Name})");
        }
    }

    /// <summary>
    /// The calendars added through the API beside the settings' ones, each with its last error; the
    /// runtime schedules beside the settings' schedules.
    /// </summary>
    private async Task<StatusConfiguration> WithRuntimeSourcesAsync(StatusConfiguration configuration, CancellationToken cancellationToken)
    {
        if (_sources is null)
        {
            return configuration;
        }

        var syncs = await _sources.ListSyncAsync(cancellationToken).ConfigureAwait(false);
        var calendars = configuration.CalendarFeeds
            .Select(f => f with { LastError = syncs.GetValueOrDefault(Sources.SourceStore.RowKey(f.Name))?.LastError })
            .Concat((await _sources.ListAsync(Sources.SourceKind.Calendar, cancellationToken).ConfigureAwait(false))
                .Select(c => new StatusSource(c.Name, "api") { LastError = syncs.GetValueOrDefault(Sources.SourceStore.RowKey(c.Name))?.LastError }))
            .ToList();
        var schedules = configuration.Schedules
            .Concat((await _sources.ListAsync(Sources.SourceKind.Schedule, cancellationToken).ConfigureAwait(false))
                .Select(s => new StatusSchedule(s.Name, s.Spec["cron"]?.ToString() ?? "", s.Spec["timeZone"]?.ToString() ?? "UTC")))
            .ToList();
        return configuration with { CalendarFeeds = calendars, Schedules = schedules };
    }

    private StatusConfiguration Configuration()
    {
        var vaultConfigured = _vault.Value.VaultUri is not null;
        var webhooks = Enum.GetValues<WebhookProvider>().Select(provider =>
        {
            // The same rule WebhookSecrets applies, without reading the vault.
            var o = _webhooks.Value.For(provider);
            var kind = !string.IsNullOrWhiteSpace(o.Secret) ? "setting"
                : vaultConfigured && !string.IsNullOrWhiteSpace(o.SecretName) ? "key-vault"
                : "off";
            return new StatusSource(provider.ToString(), kind);
        }).ToList();
        var feeds = _calendars.Value.Feeds
            .Select(f => new StatusSource(f.Name, string.IsNullOrWhiteSpace(f.UrlSecretName) ? "setting" : "key-vault"))
            .ToList();
        var schedules = _schedules.Schedules.Select(s => new StatusSchedule(s.Name, s.Cron, s.TimeZone.Id)).ToList();
        var confirmation = _confirmation.Value;
        var subscribers = _notifications.Value.Subscribers
            .Select((s, i) => new StatusSubscriber(NotificationsOptions.NameOf(s, i), s.Events))
            .ToList();
        return new StatusConfiguration(
            webhooks, feeds, schedules, _tokens.SourceKind, confirmation.Mode.ToString(), confirmation.Timeout, confirmation.OnNotJoined.ToString())
        {
            Subscribers = subscribers,
        };
    }

    private static StatusJob View(DispatchJob job) => new(
        job.Id,
        JobStates.Wire(job.State),
        job.MeetingId,
        job.AgentId,
        job.Source,
        job.Origin,
        job.DispatchAt,
        job.DueAt,
        job.UpdatedAt,
        job.Attempts,
        job.Redispatches,
        job.LastOutcome is { } outcome ? Dispatch.DispatchOutcomeNames.ToWire(outcome) : null,
        job.LastMessage,
        job.LastUpstreamStatus,
        job.JoinedAt);
}
