namespace AgentDispatch.Benchmarks;

/// <summary>Command-line settings: <c>--seconds N --concurrency N --latency-ms N</c>.</summary>
public sealed record BenchmarkSettings(TimeSpan Duration, int Concurrency, TimeSpan UpstreamLatency, int KeyVaultDispatches, int AllocationDispatches)
{
    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings(TimeSpan.FromSeconds(8), 16, TimeSpan.FromMilliseconds(20), 10_000, 2_000);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(value) },
                "--concurrency" => settings with { Concurrency = value },
                "--latency-ms" => settings with { UpstreamLatency = TimeSpan.FromMilliseconds(value) },
                "--kv-dispatches" => settings with { KeyVaultDispatches = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}; use --seconds, --concurrency, --latency-ms, --kv-dispatches."),
            };
        }

        return settings;
    }
}
