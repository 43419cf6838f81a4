using System.Security.Cryptography;

namespace AgentDispatch.Webhooks;

/// <summary>The verdict on a delivery's signature. <see cref="Reason"/> is for logs: it never holds a secret or a signature.</summary>
public readonly record struct SignatureCheck(bool Valid, string Reason, DateTimeOffset? SignedAt = null)
{
    public static SignatureCheck Ok(DateTimeOffset? signedAt = null) => new(true, "valid", signedAt);

    public static SignatureCheck Fail(string reason) => new(false, reason);
}

internal static class Hmac
{
    /// <summary>Compares a computed MAC with lower- or upper-case hex from a header, in constant time.</summary>
    public static bool HexEquals(ReadOnlySpan<byte> mac, string hex)
    {
        if (hex.Length != mac.Length * 2)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[mac.Length];
        return Convert.FromHexString(hex, given, out _, out var written) == System.Buffers.OperationStatus.Done
               && written == mac.Length
               && CryptographicOperations.FixedTimeEquals(mac, given);
    }

    /// <summary>A unix-seconds timestamp within <paramref name="tolerance"/> of now, either way.</summary>
    public static SignatureCheck? CheckTimestamp(string text, DateTimeOffset now, TimeSpan tolerance, out DateTimeOffset signedAt)
    {
        signedAt = default;
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            return SignatureCheck.Fail("malformed timestamp");
        }

        signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (signedAt < now - tolerance)
        {
            return SignatureCheck.Fail("timestamp too old");
        }

        return signedAt > now + tolerance ? SignatureCheck.Fail("timestamp in the future") : null;
    }
}
