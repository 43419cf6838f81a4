using System.Globalization;

namespace AgentDispatch.VideoSdkEmulator.Workers;

internal enum AssignResult
{
    Assigned,
    NotRegistered,
    NoneAvailable,
}

/// <summary>
/// The registered workers and the jobs they run. Jobs end by expiry time, checked lazily when a
/// worker is looked at, so no timer runs and a test's <see cref="TimeProvider"/> controls it all.
/// </summary>
internal sealed class WorkerPool(TimeProvider timeProvider, TimeSpan jobDuration)
{
    private readonly Lock _gate = new();
    private readonly List<Worker> _workers = [];
    private readonly long _jobTicks = jobDuration.Ticks;
    private int _nextId;

    public WorkerInfo Register(WorkerRegistration registration)
    {
        Validate(registration);
        lock (_gate)
        {
            var id = string.IsNullOrWhiteSpace(registration.Id)
                ? "worker-" + (++_nextId).ToString(CultureInfo.InvariantCulture)
                : registration.Id;
            var worker = Find(id);
            if (worker is null)
            {
                worker = new Worker(id);
                _workers.Add(worker);
            }

            // Re-registering keeps the running jobs: that is how a test marks a busy worker draining.
            worker.AgentId = registration.AgentId;
            worker.MaxProcesses = registration.MaxProcesses;
            worker.LoadThreshold = registration.LoadThreshold;
            worker.Draining = registration.Draining;
            worker.ParticipantName = registration.ParticipantName;
            return worker.Snapshot(Now());
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            var worker = Find(id);
            return worker is not null && _workers.Remove(worker);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _workers.Clear();
        }
    }

    public IReadOnlyList<WorkerInfo> Snapshot()
    {
        lock (_gate)
        {
            var now = Now();
            var result = new WorkerInfo[_workers.Count];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = _workers[i].Snapshot(now);
            }

            return result;
        }
    }

    /// <summary>
    /// Picks the least loaded available worker for <paramref name="agentId"/> and occupies one slot.
    /// Workers registered for the agent itself shadow the wildcard ones, so a test can shape one
    /// agent's capacity while the default worker keeps serving every other agent.
    /// </summary>
    /// <param name="participantName">The name the worker's agent joins under, when the worker sets one.</param>
    public AssignResult TryAssign(string agentId, out string? workerId, out string? participantName)
    {
        workerId = null;
        participantName = null;
        lock (_gate)
        {
            var now = Now();
            var best = PickLeastLoaded(agentId, now, out var anyExact);
            if (!anyExact)
            {
                best = PickLeastLoaded(WorkerRegistration.AnyAgent, now, out var anyWildcard);
                if (!anyWildcard)
                {
                    return AssignResult.NotRegistered;
                }
            }

            if (best is null)
            {
                return AssignResult.NoneAvailable;
            }

            best.StartJob(now, _jobTicks);
            workerId = best.Id;
            participantName = best.ParticipantName;
            return AssignResult.Assigned;
        }
    }

    private Worker? PickLeastLoaded(string agentId, long now, out bool anyRegistered)
    {
        anyRegistered = false;
        Worker? best = null;
        var bestLoad = double.MaxValue;
        foreach (var worker in _workers)
        {
            if (!string.Equals(worker.AgentId, agentId, StringComparison.Ordinal))
            {
                continue;
            }

            anyRegistered = true;
            worker.ReleaseExpired(now);
            if (worker.IsAvailable && worker.Load < bestLoad)
            {
                best = worker;
                bestLoad = worker.Load;
            }
        }

        return best;
    }

    private Worker? Find(string id)
    {
        foreach (var worker in _workers)
        {
            if (string.Equals(worker.Id, id, StringComparison.Ordinal))
            {
                return worker;
            }
        }

        return null;
    }

    private long Now() => timeProvider.GetUtcNow().UtcTicks;

    private static void Validate(WorkerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (string.IsNullOrWhiteSpace(registration.AgentId))
        {
            throw new ArgumentException("agentId is required.", nameof(registration));
        }

        if (registration.MaxProcesses < 1)
        {
            throw new ArgumentException("maxProcesses must be at least 1.", nameof(registration));
        }

        if (registration.ParticipantName is not null && string.IsNullOrWhiteSpace(registration.ParticipantName))
        {
            throw new ArgumentException("participantName must not be blank.", nameof(registration));
        }

        if (!double.IsFinite(registration.LoadThreshold) || registration.LoadThreshold is <= 0 or > 1)
        {
            throw new ArgumentException("loadThreshold must be greater than 0 and at most 1.", nameof(registration));
        }
    }

    /// <summary>Mutable; only touched under the pool's lock.</summary>
    private sealed class Worker(string id)
    {
        // Expiry ticks of the running jobs, earliest first.
        private readonly PriorityQueue<long, long> _jobs = new();

        public string Id { get; } = id;

        public string AgentId { get; set; } = WorkerRegistration.AnyAgent;

        public int MaxProcesses { get; set; } = WorkerRegistration.DefaultMaxProcesses;

        public double LoadThreshold { get; set; } = WorkerRegistration.DefaultLoadThreshold;

        public bool Draining { get; set; }

        public string? ParticipantName { get; set; }

        public double Load => (double)_jobs.Count / MaxProcesses;

        // As the Agents SDK worker decides: draining, load at the threshold or all processes busy all refuse a job.
        public bool IsAvailable => !Draining && Load < LoadThreshold && _jobs.Count < MaxProcesses;

        public void ReleaseExpired(long now)
        {
            while (_jobs.TryPeek(out _, out var expiry) && expiry <= now)
            {
                _jobs.Dequeue();
            }
        }

        public void StartJob(long now, long durationTicks)
        {
            // A zero-length job ends the moment it starts, so it never holds a slot.
            if (durationTicks > 0)
            {
                var expiry = now + durationTicks;
                _jobs.Enqueue(expiry, expiry);
            }
        }

        public WorkerInfo Snapshot(long now)
        {
            ReleaseExpired(now);
            return new WorkerInfo(Id, AgentId, MaxProcesses, LoadThreshold, Draining, _jobs.Count, Load, IsAvailable, ParticipantName);
        }
    }
}
