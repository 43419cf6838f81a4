namespace AgentDispatch.DevHost.Storage;

/// <summary>What the dev host does about Storage at start-up.</summary>
internal enum DevelopmentStorageAction
{
    /// <summary>A real connection string: used as is.</summary>
    UseAsConfigured,

    /// <summary><c>UseDevelopmentStorage=true</c> and an emulator already listens: use it.</summary>
    UseRunningEmulator,

    /// <summary><c>UseDevelopmentStorage=true</c> and nothing listens: start the repository's Azurite.</summary>
    StartAzurite,
}

/// <summary>
/// <c>UseDevelopmentStorage=true</c> means the emulator on 127.0.0.1:10000-10002 to the Azure SDK;
/// the dev host makes that true by starting Azurite there when nothing else does.
/// </summary>
internal static class DevelopmentStorage
{
    public const string Setting = "AzureWebJobsStorage";
    public const string ConnectionString = "UseDevelopmentStorage=true";
    public const int BlobPort = 10000;
    public const int QueuePort = 10001;
    public const int TablePort = 10002;

    public static DevelopmentStorageAction Decide(string? connectionString, Func<int, bool> isListening)
    {
        ArgumentNullException.ThrowIfNull(isListening);
        if (!string.Equals(connectionString, ConnectionString, StringComparison.Ordinal))
        {
            return DevelopmentStorageAction.UseAsConfigured;
        }

        return isListening(QueuePort) && isListening(TablePort)
            ? DevelopmentStorageAction.UseRunningEmulator
            : DevelopmentStorageAction.StartAzurite;
    }

    /// <summary>
    /// The folder whose package.json pins Azurite: the app root (where host.json is), or the nearest
    /// folder above it with a package.json, for a dev host started from its output folder.
    /// </summary>
    public static string FindPackageRoot(string appRoot)
    {
        for (var dir = new DirectoryInfo(appRoot); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        return appRoot;
    }
}
