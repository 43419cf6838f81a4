using AgentDispatch.Telemetry;

namespace AgentDispatch.Core.Tests.Telemetry;

public sealed class TelemetryUrlsTests
{
    private static readonly Uri VideoSdk = new("https://api.videosdk.live");

    [Fact]
    public void AVideoSdkCall_KeepsItsPath_ButNeverItsQuery()
        => Assert.Equal("https://api.videosdk.live/v2/sessions", TelemetryUrls.Shown(new Uri("https://api.videosdk.live/v2/sessions?roomId=abcd-efgh-ijkl"), VideoSdk));

    [Theory]
    [InlineData("https://outlook.office365.com/owa/calendar/0f2a9c/secret-token-7f3a/reachcalendar.ics", "https://outlook.office365.com/[path hidden]")]
    [InlineData("https://crm.example.com:8443/hooks/agents?key=subscriber-key", "https://crm.example.com:8443/[path hidden]")]
    [InlineData("https://api.videosdk.live.evil.example/v2/agent/dispatch", "https://api.videosdk.live.evil.example/[path hidden]")]
    public void AnyOtherCall_KeepsOnlyItsOrigin(string url, string shown)
        => Assert.Equal(shown, TelemetryUrls.Shown(new Uri(url), VideoSdk));

    [Fact]
    public void TheSameHostOnAnotherPort_IsAnotherOrigin()
        => Assert.Equal("http://127.0.0.1:7073/[path hidden]", TelemetryUrls.Shown(new Uri("http://127.0.0.1:7073/secrets/videosdk-token"), new Uri("http://127.0.0.1:7072/")));
}
