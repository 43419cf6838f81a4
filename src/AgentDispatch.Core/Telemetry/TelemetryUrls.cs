namespace AgentDispatch.Telemetry;

/// <summary>
/// The URL an outgoing HTTP span may carry. Calendar feed URLs and subscriber or callback URLs can hold a
/// credential in their path (a published Outlook feed is <c>…/calendar/&lt;token&gt;/…/calendar.ics</c>), and
/// traces go to Application Insights or any OTLP collector: only calls to VideoSDK's own API, whose paths
/// hold room and session ids, keep their path. Every other URL keeps its scheme, host and port only. The
/// query string is never kept.
/// </summary>
public static class TelemetryUrls
{
    public const string Hidden = "/[path hidden]";

    public static string? Shown(Uri? url, Uri? videoSdkBase)
    {
        if (url is null || !url.IsAbsoluteUri)
        {
            return null;
        }

        var origin = url.GetLeftPart(UriPartial.Authority);
        var sameOrigin = videoSdkBase is { IsAbsoluteUri: true }
                         && string.Equals(origin, videoSdkBase.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
        return sameOrigin ? origin + url.AbsolutePath : origin + Hidden;
    }
}
