using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Webhooks.Standard;

/// <summary>
/// The Standard Webhooks scheme (github.com/standard-webhooks): signed content
/// "&lt;webhook-id&gt;.&lt;webhook-timestamp&gt;.&lt;raw body&gt;", HMAC-SHA256 keyed with the base64 part of a
/// <c>whsec_</c> secret, header <c>webhook-signature: v1,&lt;base64&gt; [v1,&lt;base64&gt; ...]</c> (several
/// during key rotation: any match passes), timestamps within 5 minutes either way. Written here rather
/// than taken from the StandardWebhooks package because that package verifies a re-encoded string
/// rather than the bytes received, and reads the clock itself, so its tolerance cannot be tested.
/// Several secrets may be configured (space-separated) to rotate ours as well.
/// </summary>
public static class StandardWebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    private const string SecretPrefix = "whsec_";

    /// <summary>The keys of <c>whsec_...</c> secrets separated by white space; empty when any is malformed.</summary>
    public static IReadOnlyList<byte[]> ParseSecrets(string secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var keys = new List<byte[]>();
        foreach (var secret in secrets.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var base64 = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
            try
            {
                keys.Add(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                return [];
            }
        }

        return keys;
    }

    public static SignatureCheck Verify(string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(timestamp) || string.IsNullOrWhiteSpace(signatures))
        {
            return SignatureCheck.Fail("missing webhook-id, webhook-timestamp or webhook-signature header");
        }

        if (id.Length > 256 || id.Any(char.IsControl))
        {
            return SignatureCheck.Fail("malformed webhook-id");
        }

        if (Hmac.CheckTimestamp(timestamp, now, tolerance, out var signedAt) is { } stale)
        {
            return stale;
        }

        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        Span<byte> given = stackalloc byte[32];
        foreach (var key in keys)
        {
            var mac = HMACSHA256.HashData(key, signed);
            foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (signature.StartsWith("v1,", StringComparison.Ordinal)
                    && Convert.TryFromBase64String(signature[3..], given, out var written)
                    && written == 32
                    && CryptographicOperations.FixedTimeEquals(mac, given))
                {
                    return SignatureCheck.Ok(signedAt);
                }
            }
        }

        return SignatureCheck.Fail("no signature matches");
    }

    public static string Sign(string id, DateTimeOffset at, ReadOnlySpan<byte> body, string secret)
    {
        var content = Encoding.UTF8.GetBytes($"{id}.{at.ToUnixTimeSeconds()}.").Concat(body.ToArray()).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(ParseSecrets(secret)[0], content));
    }
}
