using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDispatch.DevHost.Storage;

// This file is compiled into the dev host and, linked, into tests/AgentDispatch.Testing, so it
// uses only the BCL, Microsoft.Extensions.Logging.Abstractions and the Storage SDK the app uses. The declaration has no access
// modifier on purpose: the dev host makes it public in AzuriteProcess.Public.cs, the Testing
// library keeps its copy internal, so a project that references both sees one AzuriteProcess.

/// <summary>
/// The repository's pinned Azurite (npm <c>azurite</c> in the root <c>package.json</c>) as a child
/// process: blob, queue and table on 127.0.0.1, telemetry off; in memory, or on disk in a folder of
/// the caller's (<see cref="StartPersistentAsync"/>) so that it can be stopped and started again
/// with its data. Disposing it kills the process tree and deletes its scratch folder (never a
/// caller's folder).
/// </summary>
sealed partial class AzuriteProcess : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key: public, and accepted by nothing but the emulator.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ListenProbeTimeout = TimeSpan.FromMilliseconds(500);
    private const int OutputTailLines = 40;

    private readonly Process _process;
    private readonly OutputTail _output;
    private readonly ILogger _logger;
    private readonly string _root;
    private int _disposed;

    private AzuriteProcess(Process process, OutputTail output, string root, string location, bool persistent, int blobPort, int queuePort, int tablePort, ILogger logger)
    {
        _process = process;
        _output = output;
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
    /// <exception cref="TimeoutException">Azurite did not answer within 30 s; it has been killed.</exception>
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
    /// <exception cref="TimeoutException">Azurite did not answer within 30 s; it has been killed.</exception>
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

    private static async Task<AzuriteProcess> StartCoreAsync(
        string repositoryRoot, string? location, int blobPort, int queuePort, int tablePort, ILogger? logger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryRoot);
        logger ??= NullLogger.Instance;
        var root = Path.GetFullPath(repositoryRoot);
        if (!File.Exists(Path.Combine(root, "package.json")))
        {
            throw new InvalidOperationException(
                $"{root} has no package.json: Azurite is started from the repository's pinned npm package (package.json and package-lock.json at the repository root).");
        }

        var script = ScriptPath(root);
        if (!File.Exists(script))
        {
            await InstallAsync(root, script, logger, ct).ConfigureAwait(false);
        }

        var persistent = location is not null;
        location ??= Directory.CreateTempSubdirectory("azurite-").FullName;
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Azurite's workspace is its current directory: a fresh folder (or the caller's), so nothing
            // lands in the repository.
            WorkingDirectory = location,
        };
        foreach (var argument in new[]
                 {
                     script,
                     "--blobHost", "127.0.0.1", "--blobPort", Invariant(blobPort),
                     "--queueHost", "127.0.0.1", "--queuePort", Invariant(queuePort),
                     "--tableHost", "127.0.0.1", "--tablePort", Invariant(tablePort),
                     // Telemetry off always: Azurite sends it off the machine otherwise.
                     "--skipApiVersionCheck", "--disableTelemetry", "--silent",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        // Azurite 3.37 refuses --location together with --inMemoryPersistence: one or the other.
        if (persistent)
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(location);
        }
        else
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }

        var output = new OutputTail(OutputTailLines);
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
        var azurite = new AzuriteProcess(process, output, root, location, persistent, blobPort, queuePort, tablePort, logger);
        try
        {
            var started = Stopwatch.GetTimestamp();
            await azurite.WaitUntilReadyAsync(ct).ConfigureAwait(false);
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

    private static string ScriptPath(string root) => Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        // The services are ready when the Storage SDK's own clients get an answer from them (a signed
        // request, as the app makes). One try per probe, short timeouts, and no proxy: a configured
        // HTTP_PROXY must not see loopback traffic.
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) };
        using var transport = new HttpClientTransport(handler);
        var queues = new QueueServiceClient(ConnectionString, Probe(new QueueClientOptions(), transport));
        var tables = new TableServiceClient(ConnectionString, Probe(new TableClientOptions(), transport));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ReadyTimeout);
        var queueUp = false;
        var tableUp = false;
        var blobUp = false;
        try
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new IOException(
                        $"Azurite exited with code {_process.ExitCode} before it was ready (ports {BlobPort}, {QueuePort}, {TablePort} may be taken). Its last output:{Environment.NewLine}{_output}");
                }

                queueUp = queueUp || await AnswersAsync(() => queues.GetPropertiesAsync(deadline.Token), deadline.Token).ConfigureAwait(false);
                tableUp = tableUp || await AnswersAsync(() => tables.GetPropertiesAsync(deadline.Token), deadline.Token).ConfigureAwait(false);
                blobUp = blobUp || IsListening(BlobPort); // the app uses no blobs: listening is enough
                if (queueUp && tableUp && blobUp)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Azurite did not answer within {ReadyTimeout.TotalSeconds:F0} s (queue on {QueuePort}: {(queueUp ? "up" : "no answer")}, "
                + $"table on {TablePort}: {(tableUp ? "up" : "no answer")}, blob on {BlobPort}: {(blobUp ? "up" : "no answer")}). "
                + $"Its last output:{Environment.NewLine}{_output}");
        }
    }

    private static T Probe<T>(T options, HttpPipelineTransport transport)
        where T : ClientOptions
    {
        options.Transport = transport;
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        return options;
    }

    private static async Task<bool> AnswersAsync(Func<Task> probe, CancellationToken ct)
    {
        try
        {
            await probe().ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException)
        {
            return false; // not serving yet (no answer is status 0)
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // the network timeout: not answering yet
        }
    }

    private static async Task InstallAsync(string root, string script, ILogger logger, CancellationToken ct)
    {
        // Test processes start in parallel, and two npm ci runs in one folder corrupt each other:
        // a lock file per repository (outside node_modules, which npm ci deletes) lets one install.
        var lockPath = Path.Combine(Path.GetTempPath(), "agentdispatch-npm-ci-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..16] + ".lock");
        await using var installLock = await AcquireLockAsync(lockPath, ct).ConfigureAwait(false);
        if (File.Exists(script))
        {
            return;
        }

        Log.Installing(logger, root);
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["npm_config_update_notifier"] = "false";
        var output = new OutputTail(OutputTailLines);
        using var npm = new Process { StartInfo = start };
        npm.OutputDataReceived += (_, e) => output.Add(e.Data);
        npm.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            npm.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"node_modules/azurite is missing in {root} and 'npm' was not found on PATH to install it. Install Node.js (20 or later, with npm), then try again or run 'npm ci' there.", ex);
        }

        npm.BeginOutputReadLine();
        npm.BeginErrorReadLine();
        try
        {
            await npm.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw;
        }

        if (npm.ExitCode != 0 || !File.Exists(script))
        {
            throw new InvalidOperationException(
                $"'npm ci --no-audit --no-fund' in {root} failed (exit code {npm.ExitCode}), so Azurite is not installed. Its last output:{Environment.NewLine}{output}");
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
        }
    }

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

    /// <summary>The last lines a child process wrote, for the error message when it fails.</summary>
    private sealed class OutputTail(int capacity)
    {
        private readonly Queue<string> _lines = new();
        private readonly Lock _gate = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                if (_lines.Count == capacity)
                {
                    _lines.Dequeue();
                }

                _lines.Enqueue(line);
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return _lines.Count == 0 ? "(nothing)" : string.Join(Environment.NewLine, _lines);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "node_modules/azurite is missing in {Root}: running 'npm ci --no-audit --no-fund' there once (about a minute).")]
        public static partial void Installing(ILogger logger, string root);

        [LoggerMessage(2, LogLevel.Debug, "Azurite (pid {ProcessId}) answers on 127.0.0.1: blob {BlobPort}, queue {QueuePort}, table {TablePort}, after {ElapsedMs} ms.")]
        public static partial void Ready(ILogger logger, int processId, int blobPort, int queuePort, int tablePort, long elapsedMs);

        [LoggerMessage(3, LogLevel.Warning, "Azurite (pid {ProcessId}) could not be stopped cleanly.")]
        public static partial void KillFailed(ILogger logger, Exception exception, int processId);

        [LoggerMessage(4, LogLevel.Warning, "Azurite (pid {ProcessId}) did not exit after SIGTERM; killed it.")]
        public static partial void StopTimedOut(ILogger logger, int processId);
    }

    /// <summary>
    /// .NET can kill a process but not signal it: SIGTERM is what lets Azurite shut down cleanly and
    /// write its data to disk.
    /// </summary>
    private static class NativeMethods
    {
        public const int SigTerm = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
