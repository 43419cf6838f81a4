using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;
using AgentDispatch.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Confirmation;

/// <summary>
/// VideoSDK's webhook signing key: <c>Webhooks:VideoSdk:PublicKey</c>, or read from VideoSDK's
/// public-key endpoint on first use and cached. A fetched key that fails a signature is read again
/// (at most every few minutes), so a rotated key is picked up without a restart.
/// </summary>
public sealed partial class VideoSdkWebhookKey : IDisposable
{
    public const string HttpClientName = "videosdk-public-key";
    public const string PublicKeyPath = "v2/public/rsa-public-key";

    private static readonly TimeSpan RefetchAfter = TimeSpan.FromMinutes(5);

    private readonly RSA? _configured;
    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly ILogger<VideoSdkWebhookKey> _logger;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private (RSA Key, DateTimeOffset At)? _fetched;

    public VideoSdkWebhookKey(IHttpClientFactory http, IOptions<WebhookOptions> options, TimeProvider time, ILogger<VideoSdkWebhookKey> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _time = time;
        _logger = logger;
        if (options.Value.VideoSdk.PublicKey is { } pem && TryParse(pem, out var key))
        {
            _configured = key;
        }
    }

    /// <summary>True when the signature is VideoSDK's over <paramref name="body"/>; null when no key can be had right now.</summary>
    public async Task<bool?> VerifyAsync(ReadOnlyMemory<byte> body, byte[] signature, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (_configured is not null)
        {
            return Verify(_configured, body.Span, signature);
        }

        var fetched = _fetched ?? await FetchAsync(null, cancellationToken).ConfigureAwait(false);
        if (fetched is not { } current)
        {
            return null;
        }

        if (Verify(current.Key, body.Span, signature))
        {
            return true;
        }

        if (_time.GetUtcNow() - current.At < RefetchAfter || await FetchAsync(current.Key, cancellationToken).ConfigureAwait(false) is not { } renewed)
        {
            return false;
        }

        return Verify(renewed.Key, body.Span, signature);
    }

    /// <summary>An RSA public key from PEM text (SubjectPublicKeyInfo or PKCS#1).</summary>
    public static bool TryParse(string pem, [NotNullWhen(true)] out RSA? key)
    {
        key = RSA.Create();
        try
        {
            key.ImportFromPem(pem);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            key = null;
            return false;
        }
    }

    /// <summary>
    /// The PEM in the public-key endpoint's answer. Its shape is not documented: plain PEM text, or JSON
    /// holding the PEM in a field (<c>publicKey</c>, or any string field, at the top or under <c>data</c>).
    /// </summary>
    public static string? ReadPem(ReadOnlySpan<byte> answer)
    {
        var text = System.Text.Encoding.UTF8.GetString(answer).Trim();
        if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            return text;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            return FindPem(json.RootElement, depth: 0);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _configured?.Dispose();
        _fetching.Dispose();
    }

    private static string? FindPem(JsonElement element, int depth) => element.ValueKind switch
    {
        JsonValueKind.String when element.GetString() is { } s && s.Contains("BEGIN", StringComparison.Ordinal) && s.Contains("KEY", StringComparison.Ordinal) => s,
        JsonValueKind.Object when depth < 2 => element.EnumerateObject().Select(p => FindPem(p.Value, depth + 1)).FirstOrDefault(p => p is not null),
        _ => null,
    };

    private static bool Verify(RSA key, ReadOnlySpan<byte> body, byte[] signature)
    {
        try
        {
            return key.VerifyData(body, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private async Task<(RSA Key, DateTimeOffset At)?> FetchAsync(RSA? replacing, CancellationToken cancellationToken)
    {
        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fetched is { } done && !ReferenceEquals(done.Key, replacing))
            {
                return done; // fetched by another caller meanwhile
            }

            var http = _http.CreateClient(HttpClientName);
            try
            {
                var answer = await http.GetByteArrayAsync(PublicKeyPath, cancellationToken).ConfigureAwait(false);
                if (ReadPem(answer) is { } pem && TryParse(pem, out var key))
                {
                    _fetched = (key, _time.GetUtcNow());
                    LogFetched(_logger);
                    return _fetched;
                }

                LogFetchFailed(_logger, "the answer holds no RSA public key in PEM");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(_logger, ex.GetType().Name);
            }

            return replacing is null ? null : _fetched;
        }
        finally
        {
            _fetching.Release();
        }
    }

    [LoggerMessage(40, LogLevel.Information, "VideoSDK's webhook public key read from its public-key endpoint")]
    private static partial void LogFetched(ILogger logger);

    [LoggerMessage(41, LogLevel.Warning, "VideoSDK's webhook public key could not be read: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string reason);
}
