using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using AgentDispatch.Auth;

namespace AgentDispatch.Calendars;

/// <summary>Which feed URLs may be fetched at all.</summary>
internal static class CalendarFeedUrls
{
    /// <summary>
    /// An absolute https URL, or plain http to a loopback host: a feed URL is often a credential, and
    /// plain http would show it (and the meetings) to the network. Loopback is for tests and local runs.
    /// </summary>
    public static bool TryParseAllowed(string? value, [NotNullWhen(true)] out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var parsed))
        {
            return false;
        }

        if (parsed.Scheme == Uri.UriSchemeHttps || (parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback))
        {
            uri = parsed;
            return true;
        }

        return false;
    }
}

/// <summary>
/// Turns a configured feed into the URL to fetch: the plain setting, or the value of its Key Vault
/// secret, kept in memory for <c>KeyVault:SecretCacheDuration</c> so polls do not read the vault each time.
/// </summary>
public sealed class CalendarFeedUrlResolver
{
    private readonly Func<KeyVaultSecretReader> _vault;
    private readonly TimeSpan _cacheDuration;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (Uri Url, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);
    private KeyVaultSecretReader? _reader;

    /// <param name="vault">Creates the vault reader on first use, so feeds with plain URLs never need a vault.</param>
    internal CalendarFeedUrlResolver(Func<KeyVaultSecretReader> vault, TimeSpan cacheDuration, TimeProvider time)
    {
        _vault = vault;
        _cacheDuration = cacheDuration;
        _time = time;
    }

    /// <summary>Whether the URL comes from Key Vault (and so may change while the app runs).</summary>
    public static bool IsFromVault(CalendarFeedOptions feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        return !string.IsNullOrWhiteSpace(feed.UrlSecretName);
    }

    public async Task<Uri> ResolveAsync(CalendarFeedOptions feed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        if (!IsFromVault(feed))
        {
            return CalendarFeedUrls.TryParseAllowed(feed.Url, out var plain)
                ? plain
                : throw new CalendarFeedException(feed.Name, "its Url setting is not an absolute https URL; nothing was fetched.", isTransient: false);
        }

        var secretName = feed.UrlSecretName!.Trim();
        if (_cache.TryGetValue(secretName, out var cached) && _time.GetUtcNow() - cached.ReadAt < _cacheDuration)
        {
            return cached.Url;
        }

        string value;
        try
        {
            _reader ??= _vault();
            value = await _reader.ReadAsync(secretName, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenUnavailableException ex)
        {
            // The reader's message names the secret and the vault's answer, never the value.
            throw new CalendarFeedException(feed.Name, $"its URL could not be read: {ex.Message}", ex.IsTransient, ex);
        }

        if (!CalendarFeedUrls.TryParseAllowed(value, out var url))
        {
            throw new CalendarFeedException(
                feed.Name,
                $"Key Vault secret '{secretName}' does not hold an absolute https URL (plain http only for a loopback host); nothing was fetched.",
                isTransient: false);
        }

        _cache[secretName] = (url, _time.GetUtcNow());
        return url;
    }

    /// <summary>Drops a cached URL the feed's server refused, so the next poll reads the secret again (it may have been rotated).</summary>
    public void Forget(CalendarFeedOptions feed)
    {
        ArgumentNullException.ThrowIfNull(feed);
        if (IsFromVault(feed))
        {
            _cache.TryRemove(feed.UrlSecretName!.Trim(), out _);
        }
    }
}
