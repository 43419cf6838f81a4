using AgentDispatch.VideoSdkEmulator.Auth;
using AgentDispatch.VideoSdkEmulator.Control;
using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Hosting;
using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Webhooks;
using AgentDispatch.VideoSdkEmulator.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDispatch.VideoSdkEmulator;

/// <summary>
/// Everything the emulator remembers: dispatch records, workers, deployments, faults, rooms and webhooks.
/// Thread-safe; tests and benchmarks read and shape it directly while requests come in.
/// </summary>
/// <remarks>Disposing calls back the agents still on their way and stops sending webhooks.</remarks>
public sealed class EmulatorState : IDisposable
{
    private readonly DispatchHistory _history;
    private readonly WorkerPool _workers;
    private readonly DeploymentTable _deployments = new();
    private readonly FaultInjector _faults;
    private readonly JoinFaultTable _joinFaults = new();
    private readonly WebhookSigner _signer;
    private readonly WebhookSender _webhooks;
    private readonly RoomRegistry _rooms;

    private readonly ServiceProvider? _ownClients;
    private long _roomApiRequests;

    /// <summary>A state with no container around it: its webhook client comes from a factory of its own.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range; the message names it.</exception>
    public EmulatorState(EmulatorOptions options, TimeProvider timeProvider)
        : this(options, timeProvider, NullLoggerFactory.Instance, OwnClients(out var own))
    {
        _ownClients = own;
    }

    internal EmulatorState(EmulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, IHttpClientFactory clients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        EmulatorOptionsValidator.ThrowIfInvalid(options);
        Options = options;
        TimeProvider = timeProvider;
        Authorizer = new ApiAuthorizer(options, timeProvider);
        _history = new DispatchHistory(options.MaxDispatchRecords);
        _workers = new WorkerPool(timeProvider, options.JobDuration);
        _faults = new FaultInjector(options.Seed);
        _signer = new WebhookSigner(options.WebhookPrivateKeyPem);
        _webhooks = new WebhookSender(_signer, clients, timeProvider, loggerFactory.CreateLogger<WebhookSender>());
        _rooms = new RoomRegistry(options, timeProvider, _webhooks, loggerFactory.CreateLogger<RoomRegistry>());
        RegisterDefaultWorkerIfWanted();
    }

    public EmulatorOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>A snapshot of the dispatch records in arrival order.</summary>
    public IReadOnlyList<DispatchRecord> Dispatches => _history.Snapshot();

    /// <summary>How many records are held, without copying them.</summary>
    public int DispatchCount => _history.Count;

    /// <summary>A snapshot of the records with one outcome, in arrival order.</summary>
    public IReadOnlyList<DispatchRecord> GetDispatches(EmulatedOutcome outcome) => _history.Snapshot(outcome);

    public void ClearDispatches() => _history.Clear();

    /// <summary>A snapshot of the workers, with their current load.</summary>
    public IReadOnlyList<WorkerInfo> Workers => _workers.Snapshot();

    /// <summary>Adds a worker, or updates the one with the same id (its running jobs are kept).</summary>
    /// <exception cref="ArgumentException">The registration is out of range.</exception>
    public WorkerInfo RegisterWorker(WorkerRegistration registration) => _workers.Register(registration);

    public bool RemoveWorker(string id) => _workers.Remove(id);

    public void ClearWorkers() => _workers.Clear();

    /// <summary>The fault settings in force; setting validates them.</summary>
    /// <exception cref="ArgumentException">A rate is outside [0, 1] or they add up to more than 1.</exception>
    public FaultSettings Faults
    {
        get => _faults.Settings;
        set => _faults.Settings = value;
    }

    public IReadOnlyList<Deployment> Deployments => _deployments.All;

    /// <summary>Replaces the deployed (agentId, versionId) pairs; an empty list deploys nothing.</summary>
    public void SetDeployments(IEnumerable<Deployment> deployments) => _deployments.Set(deployments);

    /// <summary>The join faults in force; a fault with a count reads back with the hits it has left.</summary>
    public IReadOnlyList<JoinFault> JoinFaults => _joinFaults.Snapshot();

    /// <summary>Replaces the join faults; an empty list switches them off.</summary>
    /// <exception cref="ArgumentException">A fault is invalid; the message says which and why.</exception>
    public void SetJoinFaults(IEnumerable<JoinFault> faults) => _joinFaults.Set(faults);

    public void ClearJoinFaults() => _joinFaults.Clear();

    /// <summary>A snapshot of every room seen, by dispatch, by <c>POST /v2/rooms</c> or by a human joining.</summary>
    public IReadOnlyList<RoomInfo> Rooms => _rooms.Snapshot();

    public RoomInfo? GetRoom(string roomId) => _rooms.FindRoom(roomId);

    /// <summary>How many times an agent joined a room.</summary>
    public int AgentJoins => _rooms.AgentJoins;

    /// <summary>Rooms where, at some moment, two or more participants of the same agentId were in at once.</summary>
    public int RoomsWithTwoAgents => _rooms.RoomsWithTwoAgents;

    /// <summary>Agents assigned that have not joined yet; zero means every assigned agent has joined or never will.</summary>
    public int PendingAgentJoins => _rooms.PendingAgentJoins;

    /// <summary>A human joins the room now (a session starts if none is ongoing).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank.</exception>
    public ParticipantInfo JoinParticipant(string roomId, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roomId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _rooms.Join(roomId, name);
    }

    /// <summary>A participant in the room now leaves (reason <c>user-left</c>); false when there is no such participant.</summary>
    public bool RemoveParticipant(string roomId, string participantId) => _rooms.Leave(roomId, participantId, RoomRegistry.UserLeft);

    /// <summary>Everyone leaves and the session ends; false for a room never seen.</summary>
    public bool EndRoom(string roomId) => _rooms.End(roomId);

    /// <summary>The PEM of the key webhook signatures verify with; the first read may make the key pair.</summary>
    public string WebhookPublicKeyPem => _signer.PublicKeyPem;

    /// <summary>Every delivery attempt, oldest first.</summary>
    public IReadOnlyList<WebhookDelivery> Webhooks => _webhooks.Deliveries;

    /// <summary>Webhooks queued or being delivered now; zero means every event so far has been tried to the end.</summary>
    public int PendingWebhooks => _webhooks.Pending;

    public void ClearWebhooks() => _webhooks.Clear();

    public EmulatorStats Stats => new(AgentJoins, RoomsWithTwoAgents, _webhooks.Sent, _webhooks.Failed, PendingAgentJoins, PendingWebhooks, RoomApiRequests);

    /// <summary>Requests to the rooms and sessions API (<c>/v2/sessions*</c>, <c>/v2/rooms</c>): what confirming a dispatch costs a caller.</summary>
    public long RoomApiRequests => Interlocked.Read(ref _roomApiRequests);

    internal void CountRoomApiRequest() => Interlocked.Increment(ref _roomApiRequests);

    /// <summary>Back to the start: no records, rooms or webhooks, default worker and deployments, no faults.</summary>
    public void Reset()
    {
        _history.Clear();
        _workers.Clear();
        RegisterDefaultWorkerIfWanted();
        _deployments.Reset();
        _faults.Settings = FaultSettings.None;
        _joinFaults.Clear();
        _rooms.Clear();
        _webhooks.Clear();
        Interlocked.Exchange(ref _roomApiRequests, 0);
    }

    public void Dispose()
    {
        _rooms.Dispose();
        _webhooks.Dispose();
        _signer.Dispose();
        _ownClients?.Dispose();
    }

    private static IHttpClientFactory OwnClients(out ServiceProvider provider)
    {
        provider = WebhookSender.AddHttpClient(new ServiceCollection()).BuildServiceProvider();
        return provider.GetRequiredService<IHttpClientFactory>();
    }

    internal ApiAuthorizer Authorizer { get; }

    internal RoomBody CreateRoom(string? customRoomId, RoomWebhook? webhook) => _rooms.Create(customRoomId, webhook);

    internal SessionInfo? GetSession(string sessionId) => _rooms.FindSession(sessionId);

    internal IReadOnlyList<SessionInfo> FindSessions(string? roomId, string? customRoomId, string? status) =>
        _rooms.FindSessions(roomId, customRoomId, status);

    internal FaultKind DrawFault(out FaultSettings settings)
    {
        settings = _faults.Settings;
        return _faults.Draw(settings);
    }

    /// <param name="loseAnswer">A join fault wants the answer lost, though the agent was dispatched.</param>
    internal EmulatedOutcome Dispatch(in IncomingDispatch request, out string? workerId, out bool loseAnswer)
    {
        workerId = null;
        loseAnswer = false;
        string? participantName = null;
        EmulatedOutcome outcome;
        if (request.VersionId is { } versionId)
        {
            // Dashboard-managed agents run on VideoSDK's own runtime: being deployed is all it takes.
            outcome = _deployments.IsDeployed(request.AgentId, versionId) ? EmulatedOutcome.Assigned : EmulatedOutcome.NotDeployed;
        }
        else
        {
            outcome = _workers.TryAssign(request.AgentId, out workerId, out participantName) switch
            {
                AssignResult.Assigned => EmulatedOutcome.Assigned,
                AssignResult.NotRegistered => EmulatedOutcome.NotRegistered,
                _ => EmulatedOutcome.Capacity,
            };
        }

        if (outcome == EmulatedOutcome.Assigned)
        {
            var plan = _joinFaults.Plan(request.AgentId, request.MeetingId);
            _rooms.ScheduleAgent(request.MeetingId, request.AgentId, participantName ?? request.AgentId, in plan);
            loseAnswer = plan.LoseAnswer;
        }

        return outcome;
    }

    internal DispatchRecord Record(DateTimeOffset receivedAt, string? authorization, byte[] body, in DispatchAnswer answer) =>
        _history.Append(receivedAt, authorization, body, in answer);

    private void RegisterDefaultWorkerIfWanted()
    {
        if (Options.RegisterDefaultWorker)
        {
            _workers.Register(new WorkerRegistration(WorkerRegistration.AnyAgent, Id: "default"));
        }
    }
}
