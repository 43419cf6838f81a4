using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDispatch.Azurite;

/// <summary>
/// The repository's pinned Azurite (<see cref="AzuriteInstallation"/>) as a child process: blob,
/// queue and table on 127.0.0.1, telemetry off; in memory, or on disk in a folder of the caller's
/// (<see cref="StartPersistentAsync"/>) so that it can be stopped and started again with its data.
/// Disposing it kills the process tree and deletes its scratch folder (never a caller's folder).
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key: public, and accepted by nothing but the emulator.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan ListenProbeTimeout = TimeSpan.FromMilliseconds(500);

    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly string _root;
    private int _disposed;

    private AzuriteProcess(Process process, string root, string location, bool persistent, int blobPort, int queuePort, int tablePort, ILogger logger)
    {
        _process = process;
        _logger = logger;
        _root = root;
        Location = location;
        IsPersistent = persistent;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        ProcessId = process.Id;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public int ProcessId { get; }

    /// <summary>
    /// Azurite's working directory: in memory, a scratch folder deleted on dispose; persistent, the
    /// caller's folder holding the data, kept.
    /// </summary>
    public string Location { get; }

    /// <summary>Whether the data is on disk in <see cref="Location"/> (and survives a stop) rather than in memory.</summary>
    public bool IsPersistent { get; }

    public Uri BlobEndpoint => Endpoint(BlobPort);

    public Uri QueueEndpoint => Endpoint(QueuePort);

    public Uri TableEndpoint => Endpoint(TablePort);

    /// <summary>
    /// The explicit devstoreaccount1 connection string for these ports (what
    /// <c>UseDevelopmentStorage=true</c> means on 10000-10002).
    /// </summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};"
        + $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>
    /// Starts Azurite from <paramref name="repositoryRoot"/>/node_modules, running <c>npm ci</c> there
    /// first when the package is not installed, and returns once the queue and table services answer.
    /// </summary>
    /// <exception cref="InvalidOperationException">No package.json, no node or npm, or npm ci failed.</exception>
    /// <exception cref="IOException">Azurite exited before it answered, typically because a port is taken.</exception>
    /// <exception cref="TimeoutException">Azurite did not answer within 2 minutes; it has been killed.</exception>
    public static Task<AzuriteProcess> StartAsync(
        string repositoryRoot, int blobPort, int queuePort, int tablePort, ILogger? logger = null, CancellationToken ct = default)
        => StartCoreAsync(repositoryRoot, location: null, blobPort, queuePort, tablePort, logger, ct);

    /// <summary>
    /// As <see cref="StartAsync"/>, but Azurite keeps its data on disk in <paramref name="location"/>
    /// (created if missing, never deleted here): after <see cref="StopAsync"/>, <see cref="StartAgainAsync"/>
    /// (or this method with the same folder and ports) serves the same queues, messages and tables.
    /// Azurite writes its databases to disk every few seconds and when it stops cleanly, so data
    /// survives <see cref="StopAsync"/>, not a kill.
    /// </summary>
    /// <exception cref="InvalidOperationException">No package.json, no node or npm, or npm ci failed.</exception>
    /// <exception cref="IOException">Azurite exited before it answered, typically because a port is taken.</exception>
    /// <exception cref="TimeoutException">Azurite did not answer within 2 minutes; it has been killed.</exception>
    public static Task<AzuriteProcess> StartPersistentAsync(
        string repositoryRoot, string location, int blobPort, int queuePort, int tablePort, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        return StartCoreAsync(repositoryRoot, Path.GetFullPath(location), blobPort, queuePort, tablePort, logger, ct);
    }

    /// <summary>
    /// Starts a persistent Azurite again after <see cref="StopAsync"/>: the same folder, the same ports,
    /// so clients holding the old connection string carry on. This instance stays stopped.
    /// </summary>
    /// <exception cref="InvalidOperationException">This Azurite is in memory, or still running.</exception>
    public Task<AzuriteProcess> StartAgainAsync(CancellationToken ct = default)
    {
        if (!IsPersistent)
        {
            throw new InvalidOperationException("Only a persistent Azurite (StartPersistentAsync) can be started again with its data.");
        }

        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"Azurite (pid {ProcessId}) is still running: stop it first.");
        }

        return StartPersistentAsync(_root, Location, BlobPort, QueuePort, TablePort, _logger, ct);
    }

    /// <summary>The command line of a start, without the script: loopback only, telemetry off, always.</summary>
    private static List<string> Arguments(int blobPort, int queuePort, int tablePort, string? persistentLocation)
    {
        List<string> arguments =
        [
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(blobPort),
            "--queueHost", "127.0.0.1", "--queuePort", Invariant(queuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(tablePort),
            // Telemetry off always: Azurite sends it off the machine otherwise.
            "--skipApiVersionCheck", "--disableTelemetry", "--silent",
        ];

        // Azurite 3.37 refuses --location together with --inMemoryPersistence: one or the other.
        if (persistentLocation is not null)
        {
            arguments.Add("--location");
            arguments.Add(persistentLocation);
        }
        else
        {
            arguments.Add("--inMemoryPersistence");
        }

        return arguments;
    }

    private static async Task<AzuriteProcess> StartCoreAsync(
        string repositoryRoot, string? location, int blobPort, int queuePort, int tablePort, ILogger? logger, CancellationToken ct)
    {
        logger ??= NullLogger.Instance;
        var installation = await AzuriteInstallation.EnsureInstalledAsync(repositoryRoot, logger, ct).ConfigureAwait(false);
        var persistent = location is not null;
        location ??= Directory.CreateTempSubdirectory("azurite-").FullName;
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo(AzuriteInstallation.NodeExecutable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Azurite's workspace is its current directory: a fresh folder (or the caller's), so nothing
            // lands in the repository.
            WorkingDirectory = location,
        };
        start.ArgumentList.Add(installation.ScriptPath);
        foreach (var argument in Arguments(blobPort, queuePort, tablePort, persistent ? location : null))
        {
            start.ArgumentList.Add(argument);
        }

        var output = new OutputTail();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            if (!persistent)
            {
                DeleteDirectory(location);
            }

            throw new InvalidOperationException(
                "Azurite needs Node.js, and 'node' was not found on PATH. Install Node.js (20 or later), then try again.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new AzuriteProcess(process, installation.Root, location, persistent, blobPort, queuePort, tablePort, logger);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await new AzuriteReadiness(azurite.ConnectionString, blobPort, queuePort, tablePort).WaitAsync(process, output, ct).ConfigureAwait(false);
            Log.Ready(logger, azurite.ProcessId, blobPort, queuePort, tablePort, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A refused loopback connection fails at once; the timeout only bounds a stuck listener.
            var pending = socket.BeginConnect(new IPEndPoint(IPAddress.Loopback, port), null, null);
            if (!pending.AsyncWaitHandle.WaitOne(ListenProbeTimeout))
            {
                return false;
            }

            socket.EndConnect(pending);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops Azurite as Ctrl+C does (SIGTERM: it closes its services and writes its databases to disk),
    /// waits for it to exit, and kills it if it has not within <paramref name="grace"/> (10 s by default).
    /// Where signals do not exist (Windows) it is killed at once. The ports are free when this returns;
    /// a persistent Azurite can then be started again with <see cref="StartAgainAsync"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan? grace = null, CancellationToken ct = default)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows() && NativeMethods.Kill(ProcessId, NativeMethods.SigTerm) == 0)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(grace ?? TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Log.StopTimedOut(_logger, ProcessId);
            }
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Kills Azurite with any children, waits for it to exit and deletes its scratch folder; a
    /// persistent Azurite's folder is the caller's and stays.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or OperationCanceledException)
        {
            Log.KillFailed(_logger, ex, ProcessId);
        }
        finally
        {
            _process.Dispose();
            if (!IsPersistent)
            {
                DeleteDirectory(Location);
            }
        }
    }

    private static Uri Endpoint(int port) => new($"http://127.0.0.1:{Invariant(port)}/{AccountName}");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void DeleteDirectory(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // A just-killed process can hold a file for a moment (Windows).
                Thread.Sleep(100 * attempt);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}
