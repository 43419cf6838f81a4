using System.Text.Json;
using AgentDispatch.Jobs;
using AgentDispatch.Notifications;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>Which write of a job is which status event, judged only from the job as it is about to be written.</summary>
public sealed class JobEventTypesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private static DispatchJob Job(JobState state, string? announced, DateTimeOffset? announcedAt = null) => new()
    {
        Id = JobIds.ForKey("key:events"),
        IdempotencyKey = "key:events",
        MeetingId = "abcd-efgh-ijkl",
        AgentId = "agent-1",
        Source = JobSources.Http,
        DispatchAt = At,
        NotAfter = At.AddMinutes(10),
        State = state,
        AnnouncedState = announced,
        AnnouncedDispatchAt = announcedAt ?? (announced is null ? null : At),
        CreatedAt = At,
        UpdatedAt = At,
    };

    [Theory]
    [InlineData(JobState.Scheduled, null, "job.scheduled")]
    [InlineData(JobState.Dispatching, null, "job.dispatching")]
    [InlineData(JobState.Dispatching, "scheduled", "job.dispatching")]
    [InlineData(JobState.Assigned, "dispatching", "job.assigned")]
    [InlineData(JobState.Joined, "assigned", "job.joined")]
    [InlineData(JobState.NotJoined, "assigned", "job.not-joined")]
    [InlineData(JobState.Scheduled, "dispatching", "job.scheduled")]
    [InlineData(JobState.Scheduled, "cancelled", "job.scheduled")]
    [InlineData(JobState.Failed, "dispatching", "job.failed")]
    [InlineData(JobState.Expired, "scheduled", "job.expired")]
    [InlineData(JobState.Cancelled, "scheduled", "job.cancelled")]
    public void AStateTheLatestEventDidNotAnnounce_IsThatStatesEvent(JobState state, string? announced, string expected)
        => Assert.Equal(expected, JobEventTypes.Change(Job(state, announced)));

    [Theory]
    [InlineData(JobState.Scheduled, "scheduled")]
    [InlineData(JobState.Dispatching, "dispatching")]
    [InlineData(JobState.Joined, "joined")]
    public void StayingInTheAnnouncedState_IsNoEvent(JobState state, string announced)
        => Assert.Null(JobEventTypes.Change(Job(state, announced)));

    [Theory]
    [InlineData("scheduled")]
    [InlineData("cancelled")]
    public void AScheduledJobAwayFromTheAnnouncedTime_IsRescheduled(string announced)
        => Assert.Equal(JobEventTypes.Rescheduled, JobEventTypes.Change(Job(JobState.Scheduled, announced, At.AddHours(-1))));

    [Fact]
    public void Announce_CountsTheEvent_AndRemembersWhatItSaid()
    {
        var written = JobEventTypes.Announce(Job(JobState.Assigned, "dispatching") with { Sequence = 4 });

        Assert.Equal((5, "assigned", At), (written.Sequence, written.AnnouncedState, written.AnnouncedDispatchAt));
        Assert.Null(JobEventTypes.Change(written));
    }

    [Theory]
    [InlineData("job.*", true)]
    [InlineData("job.not-joined", true)]
    [InlineData("job.rescheduled", true)]
    [InlineData("job.notjoined", false)]
    [InlineData("Job.joined", false)]
    [InlineData("*", false)]
    public void IsFilter_TakesTheEventTypesAndTheWildcardOnly(string filter, bool expected)
        => Assert.Equal(expected, JobEventTypes.IsFilter(filter));

    [Fact]
    public void AnEventTooBigForAQueueMessage_DropsTheUpstreamAnswerFirst()
    {
        var metadata = JsonDocument.Parse("{\"notes\":\"" + new string('n', 15_000) + "\"}").RootElement;
        var job = Job(JobState.Assigned, "dispatching") with { Metadata = metadata, UpstreamResponse = new string('"', 8_000) };

        var bodies = JobEvent.Bodies(job, "job.assigned").ToList();
        var fits = bodies.Select(b => NotificationMessage.Fits(new NotificationMessage("evt_x", "crm", job.Id, "job.assigned", 1, b, At, 0).Write())).ToList();

        Assert.Equal([false, true, true], fits);
        Assert.Contains("notes", bodies[1], StringComparison.Ordinal);
        Assert.Contains("\"upstreamResponse\":null", bodies[1], StringComparison.Ordinal);
    }
}
