using AgentDispatch.Testing;

namespace AgentDispatch.Azurite.Tests;

/// <summary>
/// Where the pinned Azurite package is found; nothing here runs npm or starts Azurite (the starts, always
/// with --disableTelemetry, are AzuriteProcessTests').
/// </summary>
public sealed class AzuriteInstallationTests
{
    [Fact]
    public async Task EnsureInstalledAsync_Repository_FindsTheScriptUnderNodeModules()
    {
        var installation = await AzuriteInstallation.EnsureInstalledAsync(RepositoryFiles.Root);

        Assert.True(installation.IsInstalled);
        Assert.Equal(Path.Combine(RepositoryFiles.Root, "node_modules", "azurite", "dist", "src", "azurite.js"), installation.ScriptPath);
    }

    [Fact]
    public async Task EnsureInstalledAsync_FolderWithoutPackageJson_FailsAtOnceNamingIt()
    {
        var folder = Directory.CreateTempSubdirectory("no-package-");
        try
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteInstallation.EnsureInstalledAsync(folder.FullName));

            Assert.Contains(folder.FullName, ex.Message, StringComparison.Ordinal);
            Assert.Contains("package.json", ex.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(folder.FullName, "node_modules")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
