using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentDispatch.Azurite;

/// <summary>
/// The repository's pinned Azurite: the npm package under <c>node_modules</c> of the folder whose
/// <c>package.json</c> and <c>package-lock.json</c> pin it, installed there with <c>npm ci</c> when
/// it is missing, and run with <c>node</c> from PATH. This type only finds and installs it; it never
/// starts Azurite. <see cref="AzuriteProcess"/> does, always on 127.0.0.1 with <c>--disableTelemetry</c>.
/// </summary>
public sealed class AzuriteInstallation
{
    /// <summary>What runs <see cref="ScriptPath"/>: Node.js from PATH.</summary>
    public const string NodeExecutable = "node";

    private AzuriteInstallation(string root)
    {
        Root = root;
        ScriptPath = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
    }

    /// <summary>The folder holding package.json, as a full path.</summary>
    public string Root { get; }

    /// <summary>Azurite's entry point under <c>node_modules</c>, which runs blob, queue and table in one process.</summary>
    public string ScriptPath { get; }

    public bool IsInstalled => File.Exists(ScriptPath);

    /// <summary>
    /// The installation in <paramref name="repositoryRoot"/>, running <c>npm ci</c> there first when the
    /// package is not installed (one install at a time per folder, across processes).
    /// </summary>
    /// <exception cref="InvalidOperationException">No package.json, no npm, or npm ci failed.</exception>
    public static async Task<AzuriteInstallation> EnsureInstalledAsync(string repositoryRoot, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryRoot);
        var installation = new AzuriteInstallation(Path.GetFullPath(repositoryRoot));
        if (!File.Exists(Path.Combine(installation.Root, "package.json")))
        {
            throw new InvalidOperationException(
                $"{installation.Root} has no package.json: Azurite is started from the repository's pinned npm package (package.json and package-lock.json at the repository root).");
        }

        if (!installation.IsInstalled)
        {
            await installation.InstallAsync(logger ?? NullLogger.Instance, ct).ConfigureAwait(false);
        }

        return installation;
    }

    private async Task InstallAsync(ILogger logger, CancellationToken ct)
    {
        // Test processes start in parallel, and two npm ci runs in one folder corrupt each other:
        // a lock file per repository (outside node_modules, which npm ci deletes) lets one install.
        var lockPath = Path.Combine(Path.GetTempPath(), "agentdispatch-npm-ci-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Root)))[..16] + ".lock");
        await using var installLock = await AcquireLockAsync(lockPath, ct).ConfigureAwait(false);
        if (IsInstalled)
        {
            return;
        }

        Log.Installing(logger, Root);
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Root,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["npm_config_update_notifier"] = "false";
        var output = new OutputTail();
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
                $"node_modules/azurite is missing in {Root} and 'npm' was not found on PATH to install it. Install Node.js (20 or later, with npm), then try again or run 'npm ci' there.", ex);
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

        if (npm.ExitCode != 0 || !IsInstalled)
        {
            throw new InvalidOperationException(
                $"'npm ci --no-audit --no-fund' in {Root} failed (exit code {npm.ExitCode}), so Azurite is not installed. Its last output:{Environment.NewLine}{output}");
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
}
