using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using AgentDispatch.VideoSdkEmulator.Dispatch;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>
/// The ledger held against what the emulator saw. The emulator's record is the truth about agents:
/// a record with <see cref="DispatchRecord.Assigned"/> is an agent put in a meeting, whether its
/// answer came back, came late or was dropped. Per requested meeting:
/// <list type="bullet">
/// <item>lost: no job, or a job that is not final;</item>
/// <item>an <c>assigned</c> or <c>joined</c> job must have an agent; a job that ended otherwise must have
/// none, except a <c>failed</c> job whose last outcome is <c>unknown</c>: it was sent and no answer came
/// (the documented window), so zero agents or one are both honest, and a <c>not-joined</c> one (VideoSDK
/// assigned an agent that never came);</item>
/// <item>a duplicate is a meeting with more than one agent assigned; a room with two agents is one where
/// two agents were in the room at once, as the emulator counts it.</item>
/// </list>
/// </summary>
public sealed record DispatchAudit
{
    private static readonly JsonSerializerOptions SummaryJson = new() { WriteIndented = true };

    public required string Suite { get; init; }

    public required int Requests { get; init; }

    public required int Jobs { get; init; }

    public required int Assigned { get; init; }

    public required int Joined { get; init; }

    public required int NotJoined { get; init; }

    /// <summary>Rooms where two agents were in at once (the emulator's count); -1 when the suite did not say.</summary>
    public int RoomsWithTwoAgents { get; init; } = -1;

    public required int Failed { get; init; }

    public required int Expired { get; init; }

    public required int Cancelled { get; init; }

    /// <summary>Requests with no job, or whose job is not final.</summary>
    public required int Lost { get; init; }

    /// <summary>Meetings with more than one agent.</summary>
    public required int Duplicates { get; init; }

    /// <summary>Agents beyond the first, over all meetings.</summary>
    public required int ExtraAgents { get; init; }

    /// <summary>Jobs that ended <c>failed</c> with last outcome <c>unknown</c>: the documented window.</summary>
    public required int UnknownJobs { get; init; }

    /// <summary>Of those, how many did put an agent in the meeting (the emulator saw it; the app could not know).</summary>
    public required int UnknownWithAgent { get; init; }

    public required int AgentsDispatched { get; init; }

    public required int EmulatorRecords { get; init; }

    public required IReadOnlyDictionary<string, int> JobStates { get; init; }

    public required IReadOnlyDictionary<string, int> LastOutcomes { get; init; }

    public required IReadOnlyDictionary<string, int> EmulatorOutcomes { get; init; }

    /// <summary>Up to 20 descriptions of what broke the rules (lost jobs included).</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    public required int ViolationCount { get; init; }

    public required double ElapsedSeconds { get; init; }

    /// <summary>Figures a suite adds (kill time, outage length, warnings logged...).</summary>
    public IReadOnlyDictionary<string, string> Notes { get; init; } = new Dictionary<string, string>();

    public static DispatchAudit Of(string suite, IReadOnlyCollection<string> requested, IReadOnlyList<DispatchJob> jobs, IReadOnlyList<DispatchRecord> records, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(records);
        var agents = records.Where(r => r.Assigned && r.MeetingId is not null).GroupBy(r => r.MeetingId!).ToDictionary(g => g.Key, g => g.Count());
        var jobsByMeeting = jobs.GroupBy(j => j.MeetingId).ToDictionary(g => g.Key, g => g.ToList());
        var wanted = requested.ToHashSet();
        var violations = new List<string>();
        var lost = 0;

        foreach (var meetingId in requested)
        {
            var agentCount = agents.GetValueOrDefault(meetingId);
            if (!jobsByMeeting.TryGetValue(meetingId, out var ofMeeting))
            {
                lost++;
                violations.Add($"{meetingId}: lost, no job in the ledger ({agentCount} agent(s) dispatched).");
                continue;
            }

            if (ofMeeting.Count > 1)
            {
                violations.Add($"{meetingId}: {ofMeeting.Count} jobs for one request ({string.Join(", ", ofMeeting.Select(j => j.Id))}).");
            }

            var job = ofMeeting[0];
            if (!job.IsFinal)
            {
                lost++;
                violations.Add($"{meetingId}: lost, job {job.Id} is still {job.State} after {job.Attempts} attempt(s) (last outcome {job.LastOutcome}).");
                continue;
            }

            var unknown = job.State == JobState.Failed && job.LastOutcome == DispatchOutcomeKind.Unknown;
            var hasAgent = job.State is JobState.Assigned or JobState.Joined;
            if (hasAgent && agentCount == 0)
            {
                violations.Add($"{meetingId}: job {job.Id} says {AgentDispatch.Jobs.JobStates.Wire(job.State)}, but the emulator put no agent in the meeting.");
            }
            else if (!hasAgent && !unknown && job.State != JobState.NotJoined && agentCount > 0)
            {
                violations.Add($"{meetingId}: job {job.Id} ended {job.State} ({job.LastOutcome}), but {agentCount} agent(s) went out.");
            }
        }

        foreach (var job in jobs.Where(j => !wanted.Contains(j.MeetingId)))
        {
            violations.Add($"{job.MeetingId}: job {job.Id} for a meeting nobody asked for.");
        }

        foreach (var meetingId in agents.Keys.Where(m => !wanted.Contains(m)))
        {
            violations.Add($"{meetingId}: {agents[meetingId]} agent(s) for a meeting nobody asked for.");
        }

        var unknownJobs = jobs.Where(j => j.State == JobState.Failed && j.LastOutcome == DispatchOutcomeKind.Unknown).ToList();
        return new DispatchAudit
        {
            Suite = suite,
            Requests = requested.Count,
            Jobs = jobs.Count,
            Assigned = jobs.Count(j => j.State == JobState.Assigned),
            Joined = jobs.Count(j => j.State == JobState.Joined),
            NotJoined = jobs.Count(j => j.State == JobState.NotJoined),
            Failed = jobs.Count(j => j.State == JobState.Failed),
            Expired = jobs.Count(j => j.State == JobState.Expired),
            Cancelled = jobs.Count(j => j.State == JobState.Cancelled),
            Lost = lost,
            Duplicates = agents.Count(a => a.Value > 1),
            ExtraAgents = agents.Values.Where(n => n > 1).Sum(n => n - 1),
            UnknownJobs = unknownJobs.Count,
            UnknownWithAgent = unknownJobs.Count(j => agents.GetValueOrDefault(j.MeetingId) > 0),
            AgentsDispatched = agents.Values.Sum(),
            EmulatorRecords = records.Count,
            JobStates = Tally(jobs.Select(j => j.State.ToString().ToLowerInvariant())),
            LastOutcomes = Tally(jobs.Select(j => j.LastOutcome?.ToString().ToLowerInvariant() ?? "(none)")),
            EmulatorOutcomes = Tally(records.Select(r => r.Outcome.ToString().ToLowerInvariant() + (r.Slow ? "-slow" : string.Empty))),
            Violations = violations.Take(20).ToList(),
            ViolationCount = violations.Count,
            ElapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
        };
    }

    /// <summary>The figures as a few lines for the test output.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Suite}: {Requests} requests, {Jobs} jobs in {ElapsedSeconds:F1} s").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  jobs: assigned {Assigned}, joined {Joined}, not-joined {NotJoined}, failed {Failed} (unknown {UnknownJobs}, of which {UnknownWithAgent} did put an agent in), expired {Expired}, cancelled {Cancelled}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  states: {Format(JobStates)}; last outcomes: {Format(LastOutcomes)}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  emulator: {EmulatorRecords} requests, {AgentsDispatched} agents; outcomes: {Format(EmulatorOutcomes)}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  duplicates {Duplicates} (extra agents {ExtraAgents}), rooms with two agents {(RoomsWithTwoAgents < 0 ? "not counted" : RoomsWithTwoAgents)}, lost {Lost}, violations {ViolationCount}").AppendLine();
        foreach (var (name, value) in Notes)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name}: {value}").AppendLine();
        }

        foreach (var violation in Violations)
        {
            text.Append("  ! ").AppendLine(violation);
        }

        return text.ToString();
    }

    /// <summary>Writes the figures as JSON to <c>reliability/&lt;suite&gt;.json</c> under the test output folder, for a report to pick up.</summary>
    public string WriteSummary()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "reliability");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Suite + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, SummaryJson));
        return path;
    }

    private static Dictionary<string, int> Tally(IEnumerable<string> values)
        => values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    private static string Format(IReadOnlyDictionary<string, int> tally)
        => tally.Count == 0 ? "(none)" : string.Join(", ", tally.Select(t => $"{t.Key} {t.Value}"));
}
