using AgentDispatch.Sources;
using AgentDispatch.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentDispatch.Core.Tests.Sources;

/// <summary>
/// Feed URLs are stored encrypted: what is stored shows nothing of the URL, decrypts only for the
/// calendar it was written for, and stays readable after the data key in Key Vault is rotated.
/// </summary>
public sealed class FeedUrlProtectorTests
{
    private const string Url = "https://calendar.example.com/private/ab12cd34ef56/basic.ics?token=s3cr3t";

    [Fact]
    public async Task Protect_SettingKey_RoundTripsAndStoresNothingOfTheUrl()
    {
        var protector = new FeedUrlProtector(new SettingSourceKeyRing("a-local-data-key-of-at-least-32-chars"));

        var stored = await protector.ProtectAsync("team", Url, CancellationToken.None);

        Assert.StartsWith("v1.s", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("calendar.example.com", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", stored, StringComparison.Ordinal);
        Assert.Equal(Url, await protector.UnprotectAsync("Team", stored, CancellationToken.None));
        Assert.NotEqual(stored, await protector.ProtectAsync("team", Url, CancellationToken.None));
    }

    [Fact]
    public async Task Unprotect_ForAnotherCalendarOrTampered_Refuses()
    {
        var protector = new FeedUrlProtector(new SettingSourceKeyRing("a-local-data-key-of-at-least-32-chars"));
        var stored = await protector.ProtectAsync("team", Url, CancellationToken.None);
        var tampered = stored[..^3] + (stored[^3] == 'A' ? 'B' : 'A') + stored[^2..];

        await Assert.ThrowsAsync<SourceKeyUnavailableException>(() => protector.UnprotectAsync("sales", stored, CancellationToken.None));
        await Assert.ThrowsAsync<SourceKeyUnavailableException>(() => protector.UnprotectAsync("team", tampered, CancellationToken.None));
        var other = new FeedUrlProtector(new SettingSourceKeyRing("another-local-data-key-32-chars-long"));
        var refused = await Assert.ThrowsAsync<SourceKeyUnavailableException>(() => other.UnprotectAsync("team", stored, CancellationToken.None));
        Assert.DoesNotContain("s3cr3t", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protect_NoKeyConfigured_SaysSoNamingTheSettings()
    {
        var protector = new FeedUrlProtector(new NoSourceKeyRing());

        Assert.False(await protector.CanProtectAsync(CancellationToken.None));
        var ex = await Assert.ThrowsAsync<SourceKeyUnavailableException>(() => protector.ProtectAsync("team", Url, CancellationToken.None));
        Assert.Contains("Sources:DataKeySecretName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VaultKey_Rotated_NewValuesUseTheNewVersion_OldOnesStillDecrypt()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        var first = vault.SetSecret("sources-data-key", "first-data-key-value-0123456789abcdef");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var protector = new FeedUrlProtector(new VaultSourceKeyRing(vault.CreateSecretClient(new StaticTokenCredential()), "sources-data-key", TimeSpan.FromMinutes(5), time));
        var before = await protector.ProtectAsync("team", Url, CancellationToken.None);

        var second = vault.SetSecret("sources-data-key", "second-data-key-value-0123456789abcdef");
        time.Advance(TimeSpan.FromMinutes(6));
        var after = await protector.ProtectAsync("team", Url, CancellationToken.None);

        Assert.Equal("v" + first, before.Split('.')[1]);
        Assert.Equal("v" + second, after.Split('.')[1]);
        Assert.Equal(Url, await new FeedUrlProtector(new VaultSourceKeyRing(vault.CreateSecretClient(new StaticTokenCredential()), "sources-data-key", TimeSpan.FromMinutes(5), time))
            .UnprotectAsync("team", before, CancellationToken.None));
        Assert.Equal(Url, await protector.UnprotectAsync("team", after, CancellationToken.None));
    }

    [Theory]
    [InlineData("https://calendar.example.com/private/abc/basic.ics?token=x", "https://calendar.example.com/…")]
    [InlineData("https://user:pass@calendar.example.com:8443/a/b#frag", "https://calendar.example.com:8443/…")]
    [InlineData("http://127.0.0.1:5000/feeds/t.ics", "http://127.0.0.1:5000/…")]
    [InlineData("not a url", "…")]
    public void Mask_KeepsSchemeAndHostOnly(string url, string shown)
        => Assert.Equal(shown, FeedUrlMask.Mask(url));
}
