using System.Net;

namespace AgentDispatch.Notifications;

/// <summary>Which subscriber URLs may receive events, judged from the text alone (no DNS).</summary>
public static class SubscriberUrls
{
    private const string PrivateHint = "loopback, private and link-local addresses are refused unless private networks are allowed (Notifications:AllowPrivateNetworks)";

    /// <summary>
    /// Null when <paramref name="url"/> is acceptable, else a message naming what is wrong, fit for a 400 problem
    /// response or a start-up error. The message names the scheme or host, never the path or query (which may carry a token).
    /// </summary>
    /// <remarks>
    /// The rules: absolute; https, or plain http to a loopback host (<c>localhost</c>, 127.0.0.0/8, <c>[::1]</c>); no
    /// <c>user:password@</c> (HttpClient would not send it); and an IP literal must be a public address unless
    /// <paramref name="allowPrivateNetworks"/>. A host name cannot be judged without resolving it: the sender checks
    /// every address it resolves to when it connects (see <see cref="SubscriberAddresses"/>), so DNS rebinding gains
    /// nothing. <c>localhost</c> is loopback by definition (RFC 6761) and is judged as such here.
    /// </remarks>
    public static string? Problem(string? url, bool allowPrivateNetworks)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "the subscriber URL is empty";
        }

        // On Linux "/path" parses as an absolute file: URI; it is a relative URL to whoever wrote it.
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.IsFile && !url.Contains("://", StringComparison.Ordinal)))
        {
            return "the subscriber URL is not an absolute URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return $"the subscriber URL uses '{uri.Scheme}'; only https (or http to a loopback host) is allowed";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "the subscriber URL has no host";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            return $"the subscriber URL for {uri.Host} uses plain http; use https (plain http is only for a loopback host)";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"the subscriber URL for {uri.Host} carries a user name or password, which is never sent; subscribers verify the signature instead";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        if (IPAddress.TryParse(uri.DnsSafeHost, out var address))
        {
            return SubscriberAddresses.Problem(address) is { } kind ? $"the subscriber URL's host {address} is {kind}; {PrivateHint}" : null;
        }

        return uri.IsLoopback ? $"the subscriber URL's host {uri.Host} is loopback; {PrivateHint}" : null;
    }

    /// <summary>The host of a URL, for logs: never its path, query or user info.</summary>
    internal static string HostOf(string? url)
        => Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host) ? uri.Host : "(not a URL)";
}
