using System.Security.Cryptography;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Hosting;
using AgentDispatch.VideoSdkEmulator.Webhooks;
using Microsoft.Extensions.Logging;

namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>
/// The rooms, their sessions and participants, and the agents on their way in. One lock guards it all:
/// every operation is a few list look-ups, and one lock keeps each state change and the webhooks it
/// causes in the same order for every reader.
/// </summary>
internal sealed class RoomRegistry : IDisposable
{
    public const string UserLeft = "user-left";

    // Reasons VideoSDK does not document; these say plainly what the emulator did.
    public const string MeetingEnded = "meeting-ended";
    public const string AllParticipantsLeft = "all-participants-left";

    private const string AgentIdPrefix = "agt_";
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private const string LettersAndDigits = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly WebhookSender _webhooks;
    private readonly ILogger _logger;
    private Generation _generation = new();
    private long _sessionSequence;
    private int _agentJoins;
    private int _roomsWithTwoAgents;

    public RoomRegistry(EmulatorOptions options, TimeProvider timeProvider, WebhookSender webhooks, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _webhooks = webhooks;
        _logger = logger;
    }

    public int AgentJoins
    {
        get
        {
            lock (_gate)
            {
                return _agentJoins;
            }
        }
    }

    public int RoomsWithTwoAgents
    {
        get
        {
            lock (_gate)
            {
                return _roomsWithTwoAgents;
            }
        }
    }

    /// <summary>Agents assigned whose join has not happened yet.</summary>
    public int PendingAgentJoins
    {
        get
        {
            lock (_gate)
            {
                return _generation.PendingJoins;
            }
        }
    }

    public IReadOnlyList<RoomInfo> Snapshot()
    {
        lock (_gate)
        {
            return _rooms.Values.Select(room => room.Snapshot()).ToArray();
        }
    }

    public RoomInfo? FindRoom(string roomId)
    {
        lock (_gate)
        {
            return _rooms.TryGetValue(roomId, out var room) ? room.Snapshot() : null;
        }
    }

    public SessionInfo? FindSession(string sessionId)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(sessionId, out var session) ? session.Snapshot() : null;
        }
    }

    /// <summary>Sessions matching every filter given, newest first.</summary>
    public IReadOnlyList<SessionInfo> FindSessions(string? roomId, string? customRoomId, string? status)
    {
        lock (_gate)
        {
            return _sessions.Values
                .Where(s => roomId is null || string.Equals(s.Room.Id, roomId, StringComparison.Ordinal))
                .Where(s => customRoomId is null || string.Equals(s.Room.CustomRoomId, customRoomId, StringComparison.Ordinal))
                .Where(s => status is null || string.Equals(s.Status, status, StringComparison.Ordinal))
                .OrderByDescending(s => s.Sequence)
                .Select(s => s.Snapshot())
                .ToArray();
        }
    }

    /// <summary>
    /// A room as <c>POST /v2/rooms</c> makes it. A <paramref name="customRoomId"/> already in use gives
    /// back that room (with the new webhook, if one is given), as VideoSDK does.
    /// </summary>
    /// <exception cref="ArgumentException">The webhook's endpoint is not an absolute http(s) URL of at most 512 characters.</exception>
    public RoomBody Create(string? customRoomId, RoomWebhook? webhook)
    {
        if (webhook is not null
            && (string.IsNullOrEmpty(webhook.EndPoint)
                || webhook.EndPoint.Length > RoomWebhook.MaxEndPointLength
                || !EmulatorOptionsValidator.IsHttpUrl(webhook.EndPoint)))
        {
            throw new ArgumentException(
                $"webhook.endPoint must be an absolute http or https URL of at most {RoomWebhook.MaxEndPointLength} characters.", nameof(webhook));
        }

        lock (_gate)
        {
            var room = customRoomId is null
                ? null
                : _rooms.Values.FirstOrDefault(r => string.Equals(r.CustomRoomId, customRoomId, StringComparison.Ordinal));
            if (room is null)
            {
                room = new Room(NewRoomId(), Now()) { CustomRoomId = customRoomId };
                _rooms.Add(room.Id, room);
                Log.RoomCreated(_logger, room.Id, customRoomId, webhook is not null);
            }

            room.Webhook = webhook ?? room.Webhook;
            return new RoomBody(room.Id, room.CustomRoomId, room.Webhook, room.CreatedAt, Disabled: false);
        }
    }

    /// <summary>Sends the agent of an assigned dispatch into the room, later, as the plan says. Never blocks.</summary>
    public void ScheduleAgent(string meetingId, string agentId, string participantName, in JoinPlan plan)
    {
        if (!plan.Joins)
        {
            Log.AgentKeptOut(_logger, agentId, meetingId);
            return;
        }

        var visit = new AgentVisit(meetingId, agentId, participantName, plan.Delay ?? _options.JoinDelay, plan.Stay ?? _options.AgentStay, plan.SendWebhooks);
        Generation generation;
        lock (_gate)
        {
            generation = _generation;
            generation.PendingJoins++;
        }

        _ = VisitAsync(visit, generation);
    }

    /// <summary>Someone joins now: a session starts if none is ongoing.</summary>
    public ParticipantInfo Join(string roomId, string name, string? agentId = null, bool sendWebhooks = true)
    {
        lock (_gate)
        {
            return JoinLocked(roomId, name, agentId, sendWebhooks).Snapshot();
        }
    }

    /// <summary>A participant of the ongoing session leaves; the session ends when it was the last one.</summary>
    public bool Leave(string roomId, string participantId, string reason)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room) || room.Ongoing is not { } session)
            {
                return false;
            }

            var participant = session.Participants.FirstOrDefault(p => p.IsActive && string.Equals(p.Id, participantId, StringComparison.Ordinal));
            if (participant is null)
            {
                return false;
            }

            var now = Now();
            LeaveLocked(room, session, participant, reason, now);
            if (!session.Participants.Any(p => p.IsActive))
            {
                EndLocked(room, session, AllParticipantsLeft, now, participant.SendWebhooks);
            }

            return true;
        }
    }

    /// <summary>Everyone leaves and the ongoing session ends; false for a room never seen.</summary>
    public bool End(string roomId)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(roomId, out var room))
            {
                return false;
            }

            if (room.Ongoing is { } session)
            {
                var now = Now();
                foreach (var participant in session.Participants.Where(p => p.IsActive).ToArray())
                {
                    LeaveLocked(room, session, participant, MeetingEnded, now);
                }

                EndLocked(room, session, MeetingEnded, now, sendWebhooks: true);
            }

            return true;
        }
    }

    /// <summary>No rooms, no counts, and agents still on their way are called back.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            // Not disposed: a visit may still be reading its token; without timers a source holds nothing.
            _generation.Stop.Cancel();
            _generation = new Generation();
            _rooms.Clear();
            _sessions.Clear();
            _agentJoins = 0;
            _roomsWithTwoAgents = 0;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _generation.Stop.Cancel();
        }
    }

    private async Task VisitAsync(AgentVisit visit, Generation generation)
    {
        var stopping = generation.Stop.Token;
        var pending = true;
        try
        {
            if (visit.Delay > TimeSpan.Zero)
            {
                await Task.Delay(visit.Delay, _timeProvider, stopping).ConfigureAwait(false);
            }

            Participant participant;
            lock (_gate)
            {
                pending = false;
                generation.PendingJoins--;
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                participant = JoinLocked(visit.MeetingId, visit.ParticipantName, visit.AgentId, visit.SendWebhooks);
            }

            if (visit.Stay is not { } stay)
            {
                return;
            }

            if (stay > TimeSpan.Zero)
            {
                await Task.Delay(stay, _timeProvider, stopping).ConfigureAwait(false);
            }

            lock (_gate)
            {
                if (!stopping.IsCancellationRequested)
                {
                    Leave(visit.MeetingId, participant.Id, UserLeft);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Nobody awaits a visit: an escaped exception would go unobserved.
            Log.AgentVisitFailed(_logger, ex, visit.AgentId, visit.MeetingId);
        }
        finally
        {
            if (pending)
            {
                lock (_gate)
                {
                    generation.PendingJoins--;
                }
            }
        }
    }

    private Participant JoinLocked(string roomId, string name, string? agentId, bool sendWebhooks)
    {
        if (!_rooms.TryGetValue(roomId, out var room))
        {
            room = new Room(roomId, Now());
            _rooms.Add(roomId, room);
        }

        var now = Now();
        var session = room.Ongoing;
        if (session is null)
        {
            session = new Session(Guid.NewGuid().ToString(), room, now, ++_sessionSequence);
            room.Sessions.Add(session);
            room.Ongoing = session;
            _sessions.Add(session.Id, session);
            Emit(room, WebhookPayload.SessionStarted, new WebhookData(room.Id, session.Id, Start: now), sendWebhooks);
        }

        var id = agentId is null ? RandomNumberGenerator.GetString(LettersAndDigits, 8) : AgentIdPrefix + RandomNumberGenerator.GetHexString(8, lowercase: true);
        var participant = new Participant(id, name, agentId, now, sendWebhooks);
        session.Participants.Add(participant);
        if (agentId is not null)
        {
            _agentJoins++;
            if (!room.HadTwoAgents && session.Participants.Count(p => p.IsActive && string.Equals(p.AgentId, agentId, StringComparison.Ordinal)) >= 2)
            {
                room.HadTwoAgents = true;
                _roomsWithTwoAgents++;
            }
        }

        Log.ParticipantJoined(_logger, participant.Id, agentId, room.Id, session.Id);
        Emit(room, WebhookPayload.ParticipantJoined, new WebhookData(room.Id, session.Id, participant.Id, participant.Name, JoinedAt: now), sendWebhooks);
        return participant;
    }

    private void LeaveLocked(Room room, Session session, Participant participant, string reason, DateTime now)
    {
        participant.End = now;
        Log.ParticipantLeft(_logger, participant.Id, room.Id, session.Id, reason);
        Emit(
            room,
            WebhookPayload.ParticipantLeft,
            new WebhookData(room.Id, session.Id, participant.Id, participant.Name, LeftAt: now, Reason: reason),
            participant.SendWebhooks);
    }

    private void EndLocked(Room room, Session session, string reason, DateTime now, bool sendWebhooks)
    {
        session.End = now;
        room.Ongoing = null;
        Log.SessionEnded(_logger, session.Id, room.Id, reason);
        Emit(room, WebhookPayload.SessionEnded, new WebhookData(room.Id, session.Id, Start: session.Start, End: now, Reason: reason), sendWebhooks);
    }

    private void Emit(Room room, string webhookType, WebhookData data, bool send)
    {
        if (!send)
        {
            return;
        }

        string? url;
        if (room.Webhook is { } webhook)
        {
            if (!webhook.Wants(webhookType))
            {
                return;
            }

            url = webhook.EndPoint;
        }
        else
        {
            url = _options.WebhookUrl;
        }

        if (url is not null)
        {
            _webhooks.Enqueue(url, new WebhookPayload(webhookType, data));
        }
    }

    private string NewRoomId()
    {
        // VideoSDK's room ids read like "abcd-efgh-ijkl".
        while (true)
        {
            var id = string.Join('-', RandomNumberGenerator.GetString(Letters, 4), RandomNumberGenerator.GetString(Letters, 4), RandomNumberGenerator.GetString(Letters, 4));
            if (!_rooms.ContainsKey(id))
            {
                return id;
            }
        }
    }

    private DateTime Now() => _timeProvider.GetUtcNow().UtcDateTime;

    private sealed record AgentVisit(string MeetingId, string AgentId, string ParticipantName, TimeSpan Delay, TimeSpan? Stay, bool SendWebhooks);

    /// <summary>The agents scheduled since the last reset; a reset cancels them all at once.</summary>
    private sealed class Generation
    {
        public CancellationTokenSource Stop { get; } = new();

        public int PendingJoins { get; set; }
    }

    // The classes below are mutable and only touched under the registry's lock.
    private sealed class Room(string id, DateTime createdAt)
    {
        public string Id { get; } = id;

        public DateTime CreatedAt { get; } = createdAt;

        public string? CustomRoomId { get; init; }

        public RoomWebhook? Webhook { get; set; }

        public List<Session> Sessions { get; } = [];

        public Session? Ongoing { get; set; }

        public bool HadTwoAgents { get; set; }

        public RoomInfo Snapshot() =>
            new(Id, CustomRoomId, Sessions.OrderByDescending(s => s.Sequence).Select(s => s.Snapshot()).ToArray());
    }

    private sealed class Session(string id, Room room, DateTime start, long sequence)
    {
        public string Id { get; } = id;

        public Room Room { get; } = room;

        public DateTime Start { get; } = start;

        public long Sequence { get; } = sequence;

        public DateTime? End { get; set; }

        public string Status => End is null ? SessionInfo.Ongoing : SessionInfo.Ended;

        public List<Participant> Participants { get; } = [];

        public SessionInfo Snapshot() =>
            new(Id, Room.Id, Start, End, Status, Participants.Select(p => p.Snapshot()).ToArray());
    }

    private sealed class Participant(string id, string name, string? agentId, DateTime start, bool sendWebhooks)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string? AgentId { get; } = agentId;

        public DateTime Start { get; } = start;

        public DateTime? End { get; set; }

        public bool SendWebhooks { get; } = sendWebhooks;

        public bool IsActive => End is null;

        public ParticipantInfo Snapshot() => new(Id, Name, [new TimelogEntry(Start, End)], AgentId);
    }
}
