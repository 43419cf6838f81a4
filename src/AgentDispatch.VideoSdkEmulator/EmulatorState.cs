using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Hosting;
using AgentDispatch.VideoSdkEmulator.Workers;

namespace AgentDispatch.VideoSdkEmulator;

/// <summary>
/// Everything the emulator remembers: dispatch records, workers, deployments and faults.
/// Thread-safe; tests and benchmarks read and shape it directly while requests come in.
/// </summary>
public sealed class EmulatorState
{
    private readonly DispatchHistory _history;
    private readonly WorkerPool _workers;
    private readonly DeploymentTable _deployments = new();
    private readonly FaultInjector _faults;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range; the message names it.</exception>
    public EmulatorState(EmulatorOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        EmulatorOptionsValidator.ThrowIfInvalid(options);
        Options = options;
        TimeProvider = timeProvider;
        _history = new DispatchHistory(options.MaxDispatchRecords);
        _workers = new WorkerPool(timeProvider, options.JobDuration);
        _faults = new FaultInjector(options.Seed);
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

    /// <summary>Back to the start: no records, default worker and deployments, no faults.</summary>
    public void Reset()
    {
        _history.Clear();
        _workers.Clear();
        RegisterDefaultWorkerIfWanted();
        _deployments.Reset();
        _faults.Settings = FaultSettings.None;
    }

    internal FaultKind DrawFault(out FaultSettings settings)
    {
        settings = _faults.Settings;
        return _faults.Draw(settings);
    }

    internal EmulatedOutcome Dispatch(in IncomingDispatch request, out string? workerId)
    {
        workerId = null;
        if (request.VersionId is { } versionId)
        {
            // Dashboard-managed agents run on VideoSDK's own runtime: being deployed is all it takes.
            return _deployments.IsDeployed(request.AgentId, versionId) ? EmulatedOutcome.Assigned : EmulatedOutcome.NotDeployed;
        }

        return _workers.TryAssign(request.AgentId, out workerId) switch
        {
            AssignResult.Assigned => EmulatedOutcome.Assigned,
            AssignResult.NotRegistered => EmulatedOutcome.NotRegistered,
            _ => EmulatedOutcome.Capacity,
        };
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
