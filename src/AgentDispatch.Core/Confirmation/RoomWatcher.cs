using AgentDispatch.Dispatch;
using AgentDispatch.Jobs;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Confirmation;

/// <summary>A job's agent, seen in its room.</summary>
/// <remarks><see cref="LeftAt"/> is set when the agent came and has left again before anyone looked: it did join.</remarks>
public sealed record AgentSeen(string ParticipantId, string? SessionId, DateTimeOffset JoinedAt, string ConfirmedBy, DateTimeOffset? LeftAt = null);

/// <summary>What one look for a job's agent found: the agent, or not, and whether the sessions API could be asked.</summary>
public sealed record AgentLook(AgentSeen? Agent, string? Problem = null);

/// <summary>
/// Looks for a job's agent in its room: first in what VideoSDK's webhooks have reported
/// (<see cref="RoomPresence"/>, free), then, when the mode polls, in the room's ongoing session through
/// VideoSDK's sessions API.
/// </summary>
public sealed class RoomWatcher(RoomPresence presence, IVideoSdkClient videoSdk, IOptions<ConfirmationOptions> options, TimeProvider time)
{
    /// <summary>Clocks differ: a webhook's join time this much before the first send still counts.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly AgentParticipantMatcher _matcher = AgentParticipantMatcher.Create(options.Value.AgentParticipant);

    public AgentParticipantMatcher Matcher => _matcher;

    public async Task<AgentLook> LookAsync(DispatchJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var since = (job.FirstSentAt ?? job.CreatedAt) - ClockSkew;
        await foreach (var sighting in presence.InRoomAsync(job.MeetingId, cancellationToken).ConfigureAwait(false))
        {
            if (sighting.JoinedAt >= since && _matcher.IsAgent(job.AgentId, sighting.ParticipantId, sighting.Name))
            {
                return new AgentLook(new AgentSeen(sighting.ParticipantId, sighting.SessionId, sighting.JoinedAt, ConfirmedBy.Webhook, sighting.LeftAt));
            }
        }

        if (!options.Value.Polls)
        {
            return new AgentLook(null);
        }

        var look = await videoSdk.LookInRoomAsync(job.MeetingId, cancellationToken).ConfigureAwait(false);
        var agent = look.Participants.FirstOrDefault(p => _matcher.IsAgent(job.AgentId, p.ParticipantId, p.Name));
        return agent is null
            ? new AgentLook(null, look.Problem)
            : new AgentLook(new AgentSeen(agent.ParticipantId, agent.SessionId, agent.JoinedAt ?? time.GetUtcNow(), ConfirmedBy.SessionApi));
    }
}
