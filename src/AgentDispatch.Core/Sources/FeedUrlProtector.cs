using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Sources;

/// <summary>
/// Encrypts a runtime calendar's feed URL for the table with AES-256-GCM under the data key: a reader of
/// the table (a storage backup, a role with table read access) sees neither the URL nor its token. The
/// calendar's name is bound in as associated data, so a value copied onto another calendar's row does not
/// decrypt. Stored as <c>v1.&lt;key id&gt;.&lt;nonce&gt;.&lt;ciphertext+tag&gt;</c> (base64url), the key id saying
/// which key (Key Vault secret version) to read it with after a rotation.
/// </summary>
public sealed class FeedUrlProtector(ISourceKeyRing keys)
{
    private const string Version = "v1";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>True when a data key is configured, so a URL can be stored.</summary>
    public async Task<bool> CanProtectAsync(CancellationToken cancellationToken) => await keys.CurrentAsync(cancellationToken).ConfigureAwait(false) is not null;

    /// <exception cref="SourceKeyUnavailableException">No data key is configured or it cannot be read.</exception>
    public async Task<string> ProtectAsync(string calendarName, string url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendarName);
        ArgumentNullException.ThrowIfNull(url);
        var key = await keys.CurrentAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new SourceKeyUnavailableException("no data key is configured (Sources:DataKeySecretName or Sources:DataKey): a feed URL cannot be stored.");
        var plain = Encoding.UTF8.GetBytes(url);
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var sealedBytes = new byte[plain.Length + TagBytes];
        using (var aes = new AesGcm(key.Key, TagBytes))
        {
            aes.Encrypt(nonce, plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), Associated(calendarName));
        }

        return string.Join('.', Version, key.Id, Base64Url(nonce), Base64Url(sealedBytes));
    }

    /// <exception cref="SourceKeyUnavailableException">The value is not one this app wrote for this calendar, or its key is gone.</exception>
    public async Task<string> UnprotectAsync(string calendarName, string protectedUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calendarName);
        ArgumentNullException.ThrowIfNull(protectedUrl);
        var parts = protectedUrl.Split('.');
        if (parts.Length != 4 || parts[0] != Version || !TryBase64Url(parts[2], out var nonce) || nonce.Length != NonceBytes
            || !TryBase64Url(parts[3], out var sealedBytes) || sealedBytes.Length < TagBytes)
        {
            throw new SourceKeyUnavailableException("the stored URL is not in a form this app writes.");
        }

        var key = await keys.FindAsync(parts[1], cancellationToken).ConfigureAwait(false);
        var plain = new byte[sealedBytes.Length - TagBytes];
        try
        {
            using var aes = new AesGcm(key.Key, TagBytes);
            aes.Decrypt(nonce, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain, Associated(calendarName));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new SourceKeyUnavailableException("the stored URL does not decrypt under its data key (it was changed, or belongs to another calendar).", ex);
        }

        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(string calendarName) => Encoding.UTF8.GetBytes("calendar:" + calendarName.ToLowerInvariant());

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}
