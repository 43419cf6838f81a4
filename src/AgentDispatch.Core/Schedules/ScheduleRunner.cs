using AgentDispatch.Jobs;
using AgentDispatch.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Schedules;

/// <summary>What one run of the schedules did: jobs created, occurrences that already had one, occurrences not submitted (window closed meanwhile, or the key taken by other settings), and submissions that failed.</summary>
public sealed record ScheduleTickReport(int Created, int Existing, int Skipped, int Failed);

/// <summary>
/// Turns the occurrences of every schedule into ledger jobs. Each run looks at every occurrence whose
/// window is still open and every one due within <see cref="LookAhead"/>, and submits each as a job keyed
/// by schedule name and occurrence time: a run repeated, overlapping or late finds the job already there,
/// and an occurrence the timer missed goes out late as long as its window lasts. Jobs are created ahead
/// and woken by their own wake-up message at their time, so they go out on time whatever the timer's cadence.
/// </summary>
public sealed class ScheduleRunner
{
    /// <summary>
    /// How far ahead occurrences become jobs. A run every minute (the default) sees each occurrence 15 times
    /// before it is due; an occurrence is missed only when no run falls within LookAhead before it or its
    /// window after it. It is also how long a change to a schedule takes to reach occurrences: a job once
    /// created is changed through the jobs API, not the settings.
    /// </summary>
    public static readonly TimeSpan LookAhead = TimeSpan.FromMinutes(15);

    /// <summary>Most jobs one schedule creates in one run, so a schedule firing every second cannot flood the ledger.</summary>
    public const int MaxOccurrencesPerRun = 100;

    private readonly DispatchJobService _jobs;
    private readonly IOptions<JobsOptions> _jobsOptions;
    private readonly TimeProvider _time;
    private readonly ILogger<ScheduleRunner> _logger;
    private readonly SourceCatalog? _catalog;
    private readonly SourceJobs? _sourceJobs;

    /// <param name="catalog">The schedules added through the API, read at every run; null: the settings' only.</param>
    /// <param name="sourceJobs">Revives the jobs a change of a runtime schedule cancelled, with the new definition.</param>
    public ScheduleRunner(
        IOptions<ScheduleOptions> options,
        DispatchJobService jobs,
        IOptions<JobsOptions> jobsOptions,
        TimeProvider time,
        ILogger<ScheduleRunner> logger,
        SourceCatalog? catalog = null,
        SourceJobs? sourceJobs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _catalog = catalog;
        _sourceJobs = sourceJobs;
        _jobs = jobs;
        _jobsOptions = jobsOptions;
        _time = time;
        _logger = logger;

        // Reading Value runs the start-up validation, so bad settings throw here with the same messages.
        var settings = options.Value;
        var failures = new List<string>();
        Schedules = ScheduleParser.Parse(settings, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ScheduleOptions.Section, typeof(ScheduleOptions), failures);
        }

        foreach (var entry in settings.Entries.Where(e => string.IsNullOrEmpty(e.Name)))
        {
            Log.Unnamed(logger, entry.Path, entry.Key);
        }
    }

    /// <summary>The schedules of the settings; those added through the API are read at each run.</summary>
    public IReadOnlyList<Schedule> Schedules { get; }

    public async Task<ScheduleTickReport> TickAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        int created = 0, existing = 0, skipped = 0, failed = 0;
        var schedules = Schedules;
        if (_catalog is not null)
        {
            // Unreadable runtime schedules fail the run (the timer's next run tries again); the settings'
            // ones are not held up by it, since their occurrences are submitted in later runs all the same.
            schedules = [.. Schedules, .. (await _catalog.GetAsync(cancellationToken).ConfigureAwait(false)).Schedules];
        }

        foreach (var schedule in schedules)
        {
            var window = schedule.Window ?? _jobsOptions.Value.DefaultWindow;

            // After now - window, not at it: an occurrence exactly one window ago has just closed.
            var occurrences = schedule.OccurrencesBetween(Instants.Add(now, -window), Instants.Add(now, LookAhead)).Take(MaxOccurrencesPerRun + 1).ToList();
            if (occurrences.Count > MaxOccurrencesPerRun)
            {
                Log.TooMany(_logger, schedule.Name, MaxOccurrencesPerRun);
                occurrences.RemoveAt(MaxOccurrencesPerRun);
            }

            foreach (var occurrence in occurrences)
            {
                try
                {
                    switch (await SubmitAsync(schedule, occurrence, window, cancellationToken).ConfigureAwait(false))
                    {
                        case SubmitStatus.Created:
                            created++;
                            break;
                        case SubmitStatus.Duplicate:
                            existing++;
                            break;
                        default:
                            skipped++;
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One occurrence's failure (storage briefly away) does not hold up the others; the
                    // next run submits it again, and the key keeps that from doubling anything.
                    failed++;
                    Log.SubmitFailed(_logger, schedule.Name, occurrence, ex);
                }
            }
        }

        Log.Ticked(_logger, created, existing, skipped, failed);
        return new ScheduleTickReport(created, existing, skipped, failed);
    }

    private async Task<SubmitStatus> SubmitAsync(Schedule schedule, DateTimeOffset occurrence, TimeSpan window, CancellationToken cancellationToken)
    {
        var key = schedule.KeyFor(occurrence);

        // Each occurrence is seen by many runs before it is due. A point read answers those; a repeated
        // submit would also be safe, but would queue another wake-up for the job on every run.
        // The occurrence is near the clock's now, but a clock (or a test's) at the end of 9999 would overflow.
        if (Instants.Plus(occurrence, window) is not { } notAfter)
        {
            Log.NotSubmitted(_logger, schedule.Name, occurrence, "notAfter: the occurrence " + Instants.TooFar);
            return SubmitStatus.Rejected;
        }

        var request = new DispatchJobRequest(schedule.Dispatch, occurrence, notAfter) { SourceKey = key, Origin = schedule.Origin };
        if (await _jobs.GetAsync(JobIds.ForKey(key), cancellationToken).ConfigureAwait(false) is { } found)
        {
            if (found is { State: JobState.Cancelled, CancelReason: CancelReasons.SourceChanged } && _sourceJobs is not null)
            {
                // Cancelled by a change of its runtime schedule: the occurrence is still in the schedule,
                // so its job goes out after all, as the schedule now says.
                var revived = await _sourceJobs.ScheduleAsync(request, JobSources.Schedule, SourceChange.None, cancellationToken).ConfigureAwait(false);
                if (revived.Status == SourceJobStatus.Moved)
                {
                    Log.Created(_logger, schedule.Name, revived.Job!.Id, occurrence, notAfter);
                    return SubmitStatus.Created;
                }
            }

            return SubmitStatus.Duplicate;
        }

        var result = await _jobs.SubmitAsync(request, JobSources.Schedule, cancellationToken, dispatchInline: false).ConfigureAwait(false);
        switch (result.Status)
        {
            case SubmitStatus.Created:
                Log.Created(_logger, schedule.Name, result.Job!.Id, occurrence, notAfter);
                break;
            case SubmitStatus.Rejected when result.Job is { } other:
                Log.KeyTaken(_logger, schedule.Name, occurrence, other.Id);
                break;
            case SubmitStatus.Rejected or SubmitStatus.Invalid:
                Log.NotSubmitted(_logger, schedule.Name, occurrence, result.Errors?.ToString() ?? "");
                break;
        }

        return result.Status;
    }
}
