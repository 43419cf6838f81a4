using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AgentDispatch.Testing;

namespace AgentDispatch.Reliability.Tests.Support;

/// <summary>
/// The dev host as a child process (<c>dotnet AgentDispatch.DevHost.dll</c> from this test's output),
/// so a test can kill it the hard way. Disposing kills whatever is left of it.
/// </summary>
public sealed class DevHostProcess : IAsyncDisposable
{
    private const int KeptLines = 80;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();

    private DevHostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        ProcessId = process.Id;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int ProcessId { get; }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a dev host on a free loopback port with <paramref name="settings"/> and returns once <c>/api/health</c> answers.</summary>
    public static async Task<DevHostProcess> StartAsync(IEnumerable<string> settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var baseAddress = new Uri($"http://127.0.0.1:{LoopbackPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture)}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentDispatch.DevHost.dll"));
        start.ArgumentList.Add("--urls=" + baseAddress.GetLeftPart(UriPartial.Authority));
        start.ArgumentList.Add("--DevHost:AppRoot=" + RepositoryFiles.Root);
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The dev host process did not start.");
        var host = new DevHostProcess(process, baseAddress);
        try
        {
            await host.WaitUntilHealthyAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL to this process alone: no shutdown, no finally blocks, messages and claims left as they are.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: false);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(limit.Token);
    }

    /// <summary>The last lines the dev host wrote, for a failure message.</summary>
    public string OutputTail()
    {
        lock (_gate)
        {
            return _output.Count == 0 ? "(nothing)" : string.Join(Environment.NewLine, _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or OperationCanceledException)
        {
            // Already gone, or it will be reaped with the test process; nothing more can be done here.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The dotnet host running this test, so the child uses the same runtime.</summary>
    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? path : "dotnet";

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_output.Count == KeptLines)
            {
                _output.Dequeue();
            }

            _output.Enqueue(line);
        }
    }

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) };
        using var http = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The dev host exited with code {_process.ExitCode} before it answered. Its last output:{Environment.NewLine}{OutputTail()}");
            }

            try
            {
                using var response = await http.GetAsync("api/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (waited.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"The dev host did not answer /api/health within {ReadyTimeout.TotalSeconds:F0} s. Its last output:{Environment.NewLine}{OutputTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
