using System.Diagnostics;
using System.Net;
using AgentDispatch.Testing;
using Azure.Storage.Queues;

namespace AgentDispatch.Azurite.Tests;

/// <summary>The repository's Azurite as a child process, on free ports (never 10000-10002).</summary>
public sealed class AzuriteProcessTests
{
    [Fact]
    public async Task StartAsync_Answers_AndDisposeFreesThePortsAndTheFolder()
    {
        int[] ports = [LoopbackPorts.GetFreeTcpPort(), LoopbackPorts.GetFreeTcpPort(), LoopbackPorts.GetFreeTcpPort()];
        var azurite = await AzuriteProcess.StartAsync(RepositoryFiles.Root, ports[0], ports[1], ports[2]);
        string location;
        int processId;
        try
        {
            location = azurite.Location;
            processId = azurite.ProcessId;
            Assert.All(ports, port => Assert.True(AzuriteProcess.IsListening(port), $"port {port}"));
            if (OperatingSystem.IsLinux())
            {
                // Azurite sends telemetry off the machine unless told not to: every start must say so.
                var arguments = File.ReadAllText($"/proc/{processId}/cmdline").Split('\0');
                Assert.Contains("--disableTelemetry", arguments);
                Assert.Equal("127.0.0.1", arguments[Array.IndexOf(arguments, "--queueHost") + 1]);
            }

            using var http = new HttpClient(new HttpClientHandler { UseProxy = false });
            using var listing = await http.GetAsync(new Uri(azurite.QueueEndpoint + "?comp=list"));
            Assert.Equal(HttpStatusCode.Forbidden, listing.StatusCode);

            var queue = new QueueClient(azurite.ConnectionString, AzuriteFixture.UniqueName("proc"));
            await queue.CreateAsync();
            await queue.SendMessageAsync("ping");
            Assert.Equal("ping", (await queue.ReceiveMessageAsync()).Value.Body.ToString());
            Assert.True(Directory.Exists(location));
        }
        finally
        {
            await azurite.DisposeAsync();
        }

        Assert.All(ports, port => Assert.False(AzuriteProcess.IsListening(port), $"port {port} still taken"));
        Assert.False(Directory.Exists(location));
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(processId));
    }

    [Fact]
    public void IsListening_FreePort_IsFalse()
        => Assert.False(AzuriteProcess.IsListening(LoopbackPorts.GetFreeTcpPort()));

    [Fact]
    public async Task StartAsync_FolderWithoutPackageJson_FailsAtOnceNamingIt()
    {
        var folder = Directory.CreateTempSubdirectory("no-package-");
        try
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteProcess.StartAsync(folder.FullName, 1, 2, 3));

            Assert.Contains(folder.FullName, ex.Message, StringComparison.Ordinal);
            Assert.Contains("package.json", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void UniqueName_IsValidForQueuesAndTables_AndUnique()
    {
        var names = Enumerable.Range(0, 100).Select(_ => AzuriteFixture.UniqueName("jobs")).ToList();

        Assert.Equal(100, names.Distinct().Count());
        Assert.All(names, name => Assert.Matches("^[a-z][a-z0-9]{2,39}$", name));
        Assert.Throws<ArgumentException>(() => AzuriteFixture.UniqueName("Bad-Prefix"));
    }
}
