using System.Globalization;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Functions.Tests.Webhooks;

/// <summary>The headers each sender signs a delivery with, computed with the app's own signature code.</summary>
internal static class SignedHeaders
{
    public static Dictionary<string, string> Calendly(byte[] body, string key, DateTimeOffset? signedAt = null)
        => new() { [CalendlySignature.Header] = CalendlySignature.Sign(body, key, signedAt ?? DateTimeOffset.UtcNow) };

    public static Dictionary<string, string> CalCom(byte[] body, string secret)
        => new() { [CalComSignature.Header] = CalComSignature.Sign(body, secret) };

    public static Dictionary<string, string> Standard(byte[] body, string id, string secret, DateTimeOffset? signedAt = null)
    {
        var at = signedAt ?? DateTimeOffset.UtcNow;
        return new Dictionary<string, string>
        {
            [StandardWebhookSignature.IdHeader] = id,
            [StandardWebhookSignature.TimestampHeader] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            [StandardWebhookSignature.SignatureHeader] = StandardWebhookSignature.Sign(id, at, body, secret),
        };
    }
}
