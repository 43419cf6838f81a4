using System.Diagnostics;
using System.Net;
using System.Text;

namespace AgentDispatch.Benchmarks;

/// <summary>The result of one load run: completed requests, rate and latency percentiles.</summary>
public sealed record LoadResult(int Requests, int Failures, double PerSecond, double P50Ms, double P99Ms);

/// <summary>N concurrent clients posting the same JSON body in a closed loop for a fixed time.</summary>
public static class LoadGenerator
{
    public static async Task<LoadResult> RunAsync(Uri target, string body, int concurrency, TimeSpan duration, string? authorization = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var payload = Encoding.UTF8.GetBytes(body);
        var latencies = new List<double>[concurrency];
        var failures = 0;
        var stopwatch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(64 * 1024);
            while (stopwatch.Elapsed < duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new("application/json");
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                await response.Content.LoadIntoBufferAsync();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));

        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length, failures, all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
}
