using AgentDispatch.Notifications;

namespace AgentDispatch.Status;

/// <summary>
/// What the status page shows, gathered in one bounded read. Every field is safe to show to whoever holds
/// the function key: job ids, meetings, agents, states and the outcome messages VideoSDK or this app wrote,
/// and which sources are configured by name and kind — never a secret, a token, a signature or a feed URL.
/// </summary>
public sealed record StatusReport
{
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>How much of the ledger this report is made of.</summary>
    public required StatusSample Sample { get; init; }

    /// <summary>Scheduled and dispatching jobs, soonest first (overdue ones first of all).</summary>
    public required IReadOnlyList<StatusJob> Upcoming { get; init; }

    /// <summary>Jobs with something to report (an outcome, a final state), most recently changed first.</summary>
    public required IReadOnlyList<StatusJob> Latest { get; init; }

    /// <summary>Jobs read per source and state (wire names), for the counts table.</summary>
    public required IReadOnlyList<StatusCount> Counts { get; init; }

    /// <summary>Null when no notification backlog is registered (notifications are not configured).</summary>
    public required StatusBacklog? Backlog { get; init; }

    public required StatusConfiguration Configuration { get; init; }

    /// <summary>Microsoft 365 mailboxes and how their subscription and sync go; never a clientState or delta link.</summary>
    public IReadOnlyList<StatusMailbox> Mailboxes { get; init; } = [];

    /// <summary>Why the mailbox states could not be read, when they could not.</summary>
    public string? MailboxesProblem { get; init; }
}

/// <param name="Mailbox">The UPN or object id (an address, not a secret).</param>
/// <param name="SubscriptionError">Why there is no working subscription, when there is none.</param>
public sealed record StatusMailbox(
    string Name,
    string Mailbox,
    bool Subscribed,
    DateTimeOffset? SubscriptionExpiresAt,
    string? SubscriptionError,
    DateTimeOffset? LastSyncAt,
    DateTimeOffset? NextSyncAt,
    string? LastError,
    DateTimeOffset? LastErrorAt);

/// <param name="JobsRead">Jobs read from the ledger for counts and outcomes.</param>
/// <param name="Limit">The most read per page load (<see cref="StatusReader.MaxJobsRead"/>).</param>
/// <param name="MoreInLedger">True when the ledger holds jobs beyond those read.</param>
/// <param name="ScheduledRead">Scheduled jobs read by their own query, so the timeline does not depend on the sample.</param>
/// <param name="MoreScheduled">True when more scheduled jobs exist than that query read.</param>
public sealed record StatusSample(int JobsRead, int Limit, bool MoreInLedger, int ScheduledRead, bool MoreScheduled);

/// <summary>One job as the status page shows it: the fields of <c>GET /api/dispatches/{id}</c> an operator needs at a glance, wire names for state and outcome.</summary>
public sealed record StatusJob(
    string Id,
    string State,
    string MeetingId,
    string AgentId,
    string Source,
    string? Origin,
    DateTimeOffset DispatchAt,
    DateTimeOffset DueAt,
    DateTimeOffset UpdatedAt,
    int Attempts,
    int Redispatches,
    string? LastOutcome,
    string? LastMessage,
    int? LastUpstreamStatus,
    DateTimeOffset? JoinedAt);

public sealed record StatusCount(string Source, string State, int Count);

/// <summary>The notification backlog as read, or why it could not be read.</summary>
public sealed record StatusBacklog(NotificationBacklog? Backlog, string? Problem);

/// <summary>What is configured, by name and kind only.</summary>
/// <param name="WebhookProviders">Each webhook sender and how its signing secret is configured (<c>setting</c>, <c>key-vault</c>) or <c>off</c>.</param>
/// <param name="CalendarFeeds">Feed names and where their URL is kept (<c>setting</c>, <c>key-vault</c>); never the URL.</param>
/// <param name="Schedules">Schedule names with their cron expression and time zone.</param>
/// <param name="TokenSource">The VideoSDK token source kind (<c>app-setting</c>, <c>key-vault-secret</c>, <c>key-vault-minted</c>).</param>
/// <param name="ConfirmationMode"><c>Off</c>, <c>SessionApi</c>, <c>Webhook</c> or <c>Both</c>.</param>
public sealed record StatusConfiguration(
    IReadOnlyList<StatusSource> WebhookProviders,
    IReadOnlyList<StatusSource> CalendarFeeds,
    IReadOnlyList<StatusSchedule> Schedules,
    string TokenSource,
    string ConfirmationMode,
    TimeSpan ConfirmationTimeout,
    string OnNotJoined)
{
    /// <summary>Who gets the status events, by name with the event types each wants; never a URL or secret.</summary>
    public IReadOnlyList<StatusSubscriber> Subscribers { get; init; } = [];
}

/// <param name="Events">The event types it takes; empty for all.</param>
public sealed record StatusSubscriber(string Name, IReadOnlyList<string> Events);

/// <param name="Kind">How it is configured: <c>setting</c>, <c>key-vault</c>, <c>api</c> (added through the API), or <c>off</c>.</param>
public sealed record StatusSource(string Name, string Kind)
{
    /// <summary>For a calendar: why its last poll could not sync it (never its URL); null when it did.</summary>
    public string? LastError { get; init; }
}

public sealed record StatusSchedule(string Name, string Cron, string TimeZone);
