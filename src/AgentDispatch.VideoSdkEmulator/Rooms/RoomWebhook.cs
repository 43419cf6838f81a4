namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>The webhook a room was created with: where its events go and which ones.</summary>
/// <param name="EndPoint">Absolute http(s) URL (VideoSDK spells it <c>endPoint</c>).</param>
/// <param name="Events">Event names, <c>*</c> matching any run of characters (<c>"session*"</c>); null or empty sends every event.</param>
public sealed record RoomWebhook(string EndPoint, IReadOnlyList<string>? Events = null)
{
    /// <summary>VideoSDK's limit on the URL's length.</summary>
    public const int MaxEndPointLength = 512;

    internal bool Wants(string webhookType)
    {
        if (Events is null || Events.Count == 0)
        {
            return true;
        }

        foreach (var pattern in Events)
        {
            if (pattern is not null && Glob(pattern, webhookType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        var star = pattern.IndexOf('*');
        if (star < 0)
        {
            return pattern.Equals(text, StringComparison.Ordinal);
        }

        if (!text.StartsWith(pattern[..star], StringComparison.Ordinal))
        {
            return false;
        }

        var rest = pattern[(star + 1)..];
        text = text[star..];
        for (var i = 0; i <= text.Length; i++)
        {
            if (Glob(rest, text[i..]))
            {
                return true;
            }
        }

        return false;
    }
}
