using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Webhooks.Calendly;

/// <summary>
/// <c>Calendly-Webhook-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> where v1 is
/// HMAC-SHA256(signing key, "&lt;t&gt;." + raw body). Verified on the raw bytes, within a tolerance of
/// the signed time, in constant time.
/// </summary>
public static class CalendlySignature
{
    public const string Header = "Calendly-Webhook-Signature";

    public static SignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string signingKey, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureCheck.Fail("missing signature header");
        }

        string? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return SignatureCheck.Fail("malformed signature header");
            }

            var (name, value) = (part[..eq], part[(eq + 1)..]);
            if (name == "t")
            {
                timestamp = value;
            }
            else if (name == "v1")
            {
                signatures.Add(value);
            }
        }

        if (timestamp is null || signatures.Count == 0)
        {
            return SignatureCheck.Fail("malformed signature header");
        }

        if (Hmac.CheckTimestamp(timestamp, now, tolerance, out var signedAt) is { } stale)
        {
            return stale;
        }

        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), signed);
        return signatures.Any(s => Hmac.HexEquals(mac, s)) ? SignatureCheck.Ok(signedAt) : SignatureCheck.Fail("signature does not match");
    }

    /// <summary>The header a sender would write: for tests and the benchmark.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string signingKey, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signed = Encoding.ASCII.GetBytes(t + ".").Concat(body.ToArray()).ToArray();
        return $"t={t},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), signed))}";
    }
}
