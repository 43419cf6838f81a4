using Microsoft.Extensions.Options;

namespace AgentDispatch.Jobs;

/// <summary>What to do with a dispatch that was sent but got no answer (it may have put an agent in the meeting).</summary>
public enum UnknownOutcomePolicy
{
    /// <summary>At most once: the job fails and is not sent again (after looking in the room, when confirmation is on).</summary>
    Fail,

    /// <summary>
    /// Send it again within the window. With confirmation on, only once the app has looked in the room
    /// and not seen the agent; with confirmation off, a meeting may get two agents.
    /// </summary>
    Retry,
}

/// <summary>Settings under <c>Jobs:</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>The ledger table, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string LedgerTable { get; set; } = "AgentDispatches";

    /// <summary>
    /// The ledger's lookup index (by meeting, state, <c>dispatchAt</c>, origin), in the same account. Unset:
    /// the ledger table's name + <c>Index</c>, so a second ledger in one account gets its own.
    /// </summary>
    public string? IndexTable { get; set; }

    /// <summary>The ledger's timeline index (what is due, which claims run out) and its checkpoints. Unset: the ledger table's name + <c>Timeline</c>.</summary>
    public string? TimelineTable { get; set; }

    public string IndexTableName => string.IsNullOrWhiteSpace(IndexTable) ? LedgerTable + "Index" : IndexTable;

    public string TimelineTableName => string.IsNullOrWhiteSpace(TimelineTable) ? LedgerTable + "Timeline" : TimelineTable;

    /// <summary>
    /// How long a final job (and its index, alias and tombstone rows) is kept. Repeats of a request are
    /// recognised for this long: a repeat that comes later makes a new job.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>An index row no job wants is deleted only once it is this old: a younger one may belong to a write on its way.</summary>
    public TimeSpan IndexGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest one maintenance run (backfill, retention) works before it leaves the rest to the next.</summary>
    public TimeSpan MaintenanceBudget { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary><c>notAfter</c> when a request gives none: this long after <c>dispatchAt</c>.</summary>
    public TimeSpan DefaultWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The furthest ahead a dispatch may be scheduled.</summary>
    public TimeSpan MaxScheduleAhead { get; set; } = TimeSpan.FromDays(366);

    /// <summary>First wait before retrying a capacity or transient outcome; doubles each attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts (a longer <c>Retry-After</c> from VideoSDK is still honoured).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Unset: <c>Retry</c> when <c>Confirmation:Mode</c> looks in the room first, <c>Fail</c> when it is <c>Off</c>.</summary>
    public UnknownOutcomePolicy? UnknownOutcome { get; set; }

    /// <summary>How long a claim on a job lasts beyond the dispatch call's own time limit.</summary>
    public TimeSpan LeaseMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A scheduled job this late with no wake-up seen is woken by the sweep.</summary>
    public TimeSpan OverdueGrace { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        var failures = new List<string>();
        if (!IsTableName(options.LedgerTable))
        {
            failures.Add("Jobs:LedgerTable must be 3-63 letters and digits, starting with a letter (an Azure Table name).");
        }

        foreach (var (setting, table) in new[] { ("IndexTable", options.IndexTableName), ("TimelineTable", options.TimelineTableName) })
        {
            if (!IsTableName(table))
            {
                failures.Add($"Jobs:{setting} must be 3-63 letters and digits, starting with a letter (an Azure Table name); unset, it is Jobs:LedgerTable's name + {setting[..^5]}, which must fit too.");
            }
        }

        if (new[] { options.LedgerTable, options.IndexTableName, options.TimelineTableName }.Distinct(StringComparer.OrdinalIgnoreCase).Count() < 3)
        {
            failures.Add("Jobs:LedgerTable, Jobs:IndexTable and Jobs:TimelineTable must be three different tables.");
        }

        if (options.Retention < TimeSpan.FromDays(1))
        {
            failures.Add("Jobs:Retention must be at least one day (1.00:00:00): it is how long repeats of a request are recognised.");
        }

        if (options.IndexGrace < TimeSpan.Zero || options.MaintenanceBudget <= TimeSpan.Zero)
        {
            failures.Add("Jobs:IndexGrace must not be negative; Jobs:MaintenanceBudget must be positive.");
        }

        if (options.DefaultWindow <= TimeSpan.Zero)
        {
            failures.Add("Jobs:DefaultWindow must be positive.");
        }

        if (options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("Jobs:RetryBaseDelay must be positive and no longer than Jobs:RetryMaxDelay.");
        }

        if (options.MaxScheduleAhead <= TimeSpan.Zero || options.LeaseMargin < TimeSpan.Zero || options.OverdueGrace < TimeSpan.Zero)
        {
            failures.Add("Jobs:MaxScheduleAhead must be positive; Jobs:LeaseMargin and Jobs:OverdueGrace must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsTableName(string? table)
        => !string.IsNullOrWhiteSpace(table) && table.All(char.IsAsciiLetterOrDigit) && char.IsAsciiLetter(table[0]) && table.Length is >= 3 and <= 63;
}
