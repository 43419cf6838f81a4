using System.Globalization;

namespace AgentDispatch.Benchmarks;

/// <summary>Command-line settings. Every figure is measured within one run of this program.</summary>
public sealed record BenchmarkSettings(
    TimeSpan Duration,
    int Concurrency,
    TimeSpan UpstreamLatency,
    int KeyVaultDispatches,
    int AllocationDispatches,
    int QueueMessages,
    int ScheduledJobs,
    TimeSpan ScheduleSpread,
    int ConfirmedJobs,
    IReadOnlyList<int> LedgerSizes,
    IReadOnlySet<string> Only,
    string? Output)
{
    public static readonly string[] Sections = ["passthrough", "keyvault", "allocations", "queue", "schedule", "webhooks", "confirm", "ratelimit", "telemetry", "notify", "ledger", "m365"];

    public bool Runs(string section) => Only.Count == 0 || Only.Contains(section);

    public static BenchmarkSettings Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new BenchmarkSettings(
            TimeSpan.FromSeconds(8), 16, TimeSpan.FromMilliseconds(20), 10_000, 2_000, 2_000, 200, TimeSpan.FromMinutes(1), 100, [1_000, 10_000, 100_000],
            new HashSet<string>(StringComparer.OrdinalIgnoreCase), null);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            int Number() => int.Parse(value, CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(Number()) },
                "--concurrency" => settings with { Concurrency = Number() },
                "--latency-ms" => settings with { UpstreamLatency = TimeSpan.FromMilliseconds(Number()) },
                "--kv-dispatches" => settings with { KeyVaultDispatches = Number() },
                "--queue-messages" => settings with { QueueMessages = Number() },
                "--scheduled-jobs" => settings with { ScheduledJobs = Number() },
                "--schedule-seconds" => settings with { ScheduleSpread = TimeSpan.FromSeconds(Number()) },
                "--confirmed-jobs" => settings with { ConfirmedJobs = Number() },
                "--ledger-sizes" => settings with { LedgerSizes = LedgerSizesFrom(value) },
                "--only" => settings with { Only = Sections.Intersect(value.Split(','), StringComparer.OrdinalIgnoreCase).ToHashSet(StringComparer.OrdinalIgnoreCase) },
                "--out" => settings with { Output = value },
                _ => throw new ArgumentException(
                    $"Unknown option {args[i]}; use --seconds, --concurrency, --latency-ms, --kv-dispatches, --queue-messages, --scheduled-jobs, --schedule-seconds, --confirmed-jobs, --ledger-sizes 1000,10000,100000, --only {string.Join(',', Sections)}, --out FILE."),
            };
        }

        return settings;
    }

    /// <summary>The ledger section grows one ledger through these sizes, so they must rise.</summary>
    private static int[] LedgerSizesFrom(string value)
    {
        var sizes = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (sizes.Length == 0 || sizes[0] <= 0 || sizes.Zip(sizes.Skip(1)).Any(p => p.Second <= p.First))
        {
            throw new ArgumentException($"--ledger-sizes takes rising positive job counts (1000,10000,100000), not '{value}'.");
        }

        return sizes;
    }
}
