using System.Security.Cryptography;
using AgentDispatch.Azurite;

namespace AgentDispatch.Testing;

/// <summary>
/// One Azurite (blob, queue, table; in memory) on three free loopback ports for a test collection,
/// started from the repository's pinned package. Test projects wrap it in their own xUnit
/// collection fixture (<c>IAsyncLifetime</c>): this library does not reference xUnit.
/// Never the fixed 10000-10002 ports, so tests do not collide with a developer's own emulator.
/// </summary>
public sealed class AzuriteFixture : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private AzuriteProcess? _azurite;

    /// <summary>The explicit devstoreaccount1 connection string for this instance.</summary>
    public string ConnectionString => Running.ConnectionString;

    public int BlobPort => Running.BlobPort;

    public int QueuePort => Running.QueuePort;

    public int TablePort => Running.TablePort;

    public Uri QueueEndpoint => Running.QueueEndpoint;

    public Uri TableEndpoint => Running.TableEndpoint;

    public Uri BlobEndpoint => Running.BlobEndpoint;

    private AzuriteProcess Running => _azurite ?? throw new InvalidOperationException("Azurite is not running: call InitializeAsync first.");

    public async Task InitializeAsync()
    {
        if (_azurite is not null)
        {
            return;
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // AzuriteProcess starts it on 127.0.0.1 with --disableTelemetry, always (asserted in AzuriteProcessTests).
                _azurite = await AzuriteProcess.StartAsync(
                    RepositoryFiles.Root, LoopbackPorts.GetFreeTcpPort(), LoopbackPorts.GetFreeTcpPort(), LoopbackPorts.GetFreeTcpPort());
                return;
            }
            catch (IOException) when (attempt < StartAttempts)
            {
                // A free port can be taken between the probe and Azurite's bind: try other ports.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is { } azurite)
        {
            _azurite = null;
            await azurite.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A name no other test uses, valid for both a queue and a table (and leaving room for a
    /// <c>-poison</c> suffix): <paramref name="prefix"/> (lower-case letters and digits, starting with
    /// a letter) followed by random lower-case hex, at most 40 characters in all.
    /// </summary>
    public static string UniqueName(string prefix = "t")
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!char.IsAsciiLetterLower(prefix[0]) || !prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) || prefix.Length > 24)
        {
            throw new ArgumentException("The prefix must be 1-24 lower-case letters and digits, starting with a letter.", nameof(prefix));
        }

        return prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    }
}
