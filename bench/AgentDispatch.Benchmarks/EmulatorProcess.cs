using System.Diagnostics;
using AgentDispatch.Testing;

namespace AgentDispatch.Benchmarks;

public sealed record ReceivedDispatch(string? MeetingId, DateTimeOffset ReceivedAt, bool Assigned);

/// <summary>
/// The VideoSDK emulator in a child process, so that what this process allocates is the client
/// path alone, and the upstream is a separate server as VideoSDK is.
/// </summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;

    private EmulatorProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>What the emulator received: meeting id, arrival time and whether it assigned an agent.</summary>
    public async Task<IReadOnlyList<ReceivedDispatch>> GetDispatchesAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        var records = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("_emulator/dispatches"))!.AsArray();
        return records.Select(r => new ReceivedDispatch((string?)r!["meetingId"], DateTimeOffset.Parse((string)r["receivedAt"]!, System.Globalization.CultureInfo.InvariantCulture), (bool)r["assigned"]!)).ToList();
    }

    public async Task ClearAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress };
        (await client.DeleteAsync("_emulator/dispatches")).EnsureSuccessStatusCode();
    }

    public static async Task<EmulatorProcess> StartAsync(TimeSpan latency, int maxRecords = 1000)
    {
        var port = LoopbackPorts.GetFreeTcpPort();
        var dll = Path.Combine(AppContext.BaseDirectory, "AgentDispatch.VideoSdkEmulator.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}", $"--Emulator:Latency={latency:c}", $"--Emulator:MaxDispatchRecords={maxRecords}", "--Logging:LogLevel:Default=Warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the emulator process.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        using var probe = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(1) };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                (await probe.GetAsync("_emulator/health")).EnsureSuccessStatusCode();
                return new EmulatorProcess(process, baseAddress);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("The emulator process did not answer within 10 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
