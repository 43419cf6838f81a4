using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Notifications;

/// <summary>
/// Standard Webhooks signatures over the exact bytes sent: <c>v1,</c> + base64 HMAC-SHA256 of
/// <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>, one per key, space-separated.
/// </summary>
/// <remarks>
/// Written here rather than taken from the StandardWebhooks package (which the tests and the test subscriber verify
/// against): its <c>Sign</c> takes the body as text and re-encodes it, so what it signs is only the bytes we send when
/// those bytes are valid UTF-8, and it would bring the ASP.NET Core shared framework into this library for one HMAC.
/// <see cref="Webhooks.Standard.StandardWebhookSignature.Sign"/>, the inbound side's test helper, signs with the first
/// key only and copies the body; the secret parsing is shared with it.
/// </remarks>
internal static class WebhookSigning
{
    public static string Sign(string webhookId, long unixSeconds, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{webhookId}.{unixSeconds}."));
        var signatures = new string[keys.Count];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        for (var i = 0; i < keys.Count; i++)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, keys[i]);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(mac);
            signatures[i] = "v1," + Convert.ToBase64String(mac);
        }

        return string.Join(' ', signatures);
    }
}
