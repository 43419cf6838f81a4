using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Webhooks.CalCom;

/// <summary>
/// <c>X-Cal-Signature-256: &lt;hex&gt;</c> = HMAC-SHA256(secret, raw body). Cal.com signs no timestamp,
/// so a replayed delivery verifies: it is made harmless by the job keys and by ignoring changes older
/// than the one a job already has.
/// </summary>
public static class CalComSignature
{
    public const string Header = "X-Cal-Signature-256";

    /// <summary>What Cal.com sends when its webhook has no secret: such deliveries are never accepted.</summary>
    public const string NoSecretProvided = "no-secret-provided";

    public static SignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureCheck.Fail("missing signature header");
        }

        if (header.Trim() == NoSecretProvided)
        {
            return SignatureCheck.Fail("the sender has no secret configured (no-secret-provided)");
        }

        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        var hex = header.Trim();
        if (hex.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[7..];
        }

        return Hmac.HexEquals(mac, hex) ? SignatureCheck.Ok() : SignatureCheck.Fail("signature does not match");
    }

    public static string Sign(ReadOnlySpan<byte> body, string secret)
        => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
