using System.Net;
using AgentDispatch.Notifications;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>Which subscriber URLs are accepted from their text alone, and why the others are not.</summary>
public sealed class SubscriberUrlsTests
{
    [Theory]
    [InlineData(null, "empty")]
    [InlineData("  ", "empty")]
    [InlineData("/relative/path", "not an absolute URL")]
    [InlineData("relative/path", "not an absolute URL")]
    [InlineData("ftp://files.example.com/hook", "uses 'ftp'")]
    [InlineData("file:///etc/passwd", "uses 'file'")]
    [InlineData("http://hooks.example.com/hook", "plain http")]
    [InlineData("http://10.0.0.1/hook", "plain http")]
    [InlineData("https://user:password@hooks.example.com/hook", "user name or password")]
    [InlineData("https://10.0.0.1/hook", "a private address (RFC 1918)")]
    [InlineData("https://172.16.5.4/hook", "a private address (RFC 1918)")]
    [InlineData("https://192.168.1.1/hook", "a private address (RFC 1918)")]
    [InlineData("https://100.64.0.1/hook", "carrier-grade NAT")]
    [InlineData("https://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://[fd12:3456::1]/hook", "unique local")]
    [InlineData("https://[::ffff:10.0.0.1]/hook", "a private address (RFC 1918)")]
    [InlineData("https://[64:ff9b::a9fe:a9fe]/hook", "leads to a link-local address")]
    [InlineData("https://0.0.0.0/hook", "unspecified")]
    [InlineData("https://[::]/hook", "unspecified")]
    [InlineData("https://224.0.0.1/hook", "multicast")]
    [InlineData("https://255.255.255.255/hook", "broadcast")]
    [InlineData("http://127.0.0.1:8080/hook", "loopback")]
    [InlineData("http://[::1]:8080/hook", "loopback")]
    [InlineData("http://localhost:8080/hook", "loopback")]
    [InlineData("https://127.0.0.2/hook", "loopback")]
    public void Problem_WithoutPrivateNetworks_NamesWhatIsWrong(string? url, string expected)
    {
        var problem = SubscriberUrls.Problem(url, allowPrivateNetworks: false);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://hooks.example.com/agent-events")]
    [InlineData("https://hooks.example.com:8443/agent-events?token=abc")]
    [InlineData("https://8.8.8.8/hook")]
    [InlineData("https://[2001:4860:4860::8888]/hook")]
    [InlineData("https://172.32.0.1/hook")]
    public void Problem_PublicHttpsUrl_IsAccepted(string url)
        => Assert.Null(SubscriberUrls.Problem(url, allowPrivateNetworks: false));

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://[::1]:8080/hook")]
    [InlineData("https://10.0.0.1/hook")]
    [InlineData("https://169.254.169.254/hook")]
    public void Problem_WithPrivateNetworksAllowed_AcceptsLoopbackAndPrivateAddresses(string url)
        => Assert.Null(SubscriberUrls.Problem(url, allowPrivateNetworks: true));

    [Theory]
    [InlineData("http://hooks.example.com/hook", "plain http")]
    [InlineData("http://10.0.0.1/hook", "plain http")]
    [InlineData("ftp://127.0.0.1/hook", "uses 'ftp'")]
    public void Problem_WithPrivateNetworksAllowed_StillNeedsHttpsOffLoopback(string url, string expected)
        => Assert.Contains(expected, SubscriberUrls.Problem(url, allowPrivateNetworks: true), StringComparison.Ordinal);

    [Fact]
    public void Problem_LoopbackRefusal_NamesTheSettingThatAllowsIt()
        => Assert.Contains("Notifications:AllowPrivateNetworks", SubscriberUrls.Problem("http://127.0.0.1:9/x", false), StringComparison.Ordinal);

    [Fact]
    public void Problem_NeverRepeatsThePathOrQuery()
    {
        var problem = SubscriberUrls.Problem("https://10.0.0.1/private-path?token=s3cr3t-token", false);

        Assert.DoesNotContain("private-path", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-token", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("172.15.255.255", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.255.255.255", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("100.127.255.255", false)]
    [InlineData("169.254.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("2002:c0a8:0101::1", false)]
    public void Addresses_OnlyPublicAddressesPass(string address, bool allowed)
        => Assert.Equal(allowed, SubscriberAddresses.Problem(IPAddress.Parse(address)) is null);
}
