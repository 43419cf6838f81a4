using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// A subscription's <c>clientState</c>: 32 random bytes, sent to Graph once when subscribing and echoed in
/// every notification. Only its SHA-256 is stored. The app never needs the value back (renewal and
/// reauthorization do not send it), so whoever can read the state table still cannot forge a
/// notification, and a hash of 256 random bits cannot be reversed or guessed.
/// </summary>
public static class ClientStates
{
    /// <summary>Graph allows up to 128 characters.</summary>
    public const int MaxLength = 128;

    public static string NewValue() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string clientState)
    {
        ArgumentNullException.ThrowIfNull(clientState);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientState)));
    }

    /// <summary>True when <paramref name="presented"/> is the value whose hash is <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool Matches(string? presented, string? storedHash)
    {
        if (presented is null || presented.Length > MaxLength || storedHash is not { Length: 64 })
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        if (Convert.FromHexString(storedHash, expected, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expected);
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
