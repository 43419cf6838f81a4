using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Calendars;

/// <summary>
/// Fetches a configured iCalendar feed: only its configured URL (redirects are refused, not followed),
/// within <see cref="CalendarOptions.MaxBytes"/> and <see cref="CalendarOptions.FetchTimeout"/>. Failures
/// are <see cref="CalendarFeedException"/>s naming the feed, never the URL.
/// </summary>
/// <remarks>
/// No resilience handler: a feed is polled on a schedule, so the next poll is the retry, and a failed
/// poll changes no job.
/// </remarks>
public sealed class CalendarFeedFetcher(
    HttpClient http,
    CalendarFeedUrlResolver urls,
    IOptions<CalendarOptions> options,
    TimeProvider time,
    ILogger<CalendarFeedFetcher> logger)
{
    /// <param name="logFailure">
    /// False for the poller, which logs a failing feed once per change of state rather than at every poll.
    /// </param>
    public async Task<string> FetchAsync(CalendarFeedOptions feed, CancellationToken cancellationToken, bool logFailure = true)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var settings = options.Value;
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.FetchTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);

        try
        {
            var url = await urls.ResolveAsync(feed, linked.Token).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/calendar");
            request.Headers.Accept.ParseAdd("text/plain;q=0.5");
            request.Headers.Accept.ParseAdd("*/*;q=0.1");

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            CheckStatus(feed, response);
            CheckContentType(feed, response.Content.Headers.ContentType);

            var bytes = await ReadLimitedAsync(feed, response.Content, settings.MaxBytes, linked.Token).ConfigureAwait(false);
            Log.FeedFetched(logger, feed.Name, bytes.Length, (int)response.StatusCode, (long)time.GetElapsedTime(started).TotalMilliseconds);
            return Decode(bytes, response.Content.Headers.ContentType?.CharSet);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(feed, new CalendarFeedException(
                feed.Name, $"no complete answer within {settings.FetchTimeout.TotalSeconds:0.###} s (Calendars:FetchTimeout).", isTransient: true, ex), logFailure);
        }
        catch (HttpRequestException ex)
        {
            // The message says what failed on the network (and at most the host), never the path or query.
            throw Failed(feed, new CalendarFeedException(feed.Name, $"the request failed ({ex.HttpRequestError}).", isTransient: true, ex), logFailure);
        }
        catch (IOException ex)
        {
            throw Failed(feed, new CalendarFeedException(feed.Name, "the connection broke while the feed was being read.", isTransient: true, ex), logFailure);
        }
        catch (CalendarFeedException ex)
        {
            throw Failed(feed, ex, logFailure);
        }
    }

    private CalendarFeedException Failed(CalendarFeedOptions feed, CalendarFeedException exception, bool log)
    {
        if (log)
        {
            Log.FeedFailed(logger, feed.Name, exception.IsTransient, exception.Reason);
        }

        return exception;
    }

    private void CheckStatus(CalendarFeedOptions feed, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            return;
        }

        if (status is >= 300 and < 400)
        {
            // Following a redirect would fetch a URL nobody configured; the fix is to configure the final URL.
            throw new CalendarFeedException(
                feed.Name,
                $"the server answered HTTP {status} (a redirect), which is not followed: only the configured URL is fetched. Configure the URL it redirects to.",
                isTransient: false);
        }

        if (status is 401 or 403 or 404 or 410 && CalendarFeedUrlResolver.IsFromVault(feed))
        {
            urls.Forget(feed);
            Log.VaultUrlForgotten(logger, feed.Name, feed.UrlSecretName!);
        }

        var transient = status is 408 or 429 or >= 500;
        var hint = status switch
        {
            401 or 403 => " (the URL may have been revoked or its token rotated)",
            404 or 410 => " (the feed is gone or the URL is wrong)",
            _ => "",
        };
        throw new CalendarFeedException(feed.Name, $"the server answered HTTP {status}{hint}.", transient);
    }

    /// <summary>
    /// Accepts text/calendar and anything text-like, as feeds are often served as text/plain or
    /// application/octet-stream. Refuses HTML: an expired private link commonly answers with a sign-in page.
    /// </summary>
    private static void CheckContentType(CalendarFeedOptions feed, MediaTypeHeaderValue? contentType)
    {
        var mediaType = contentType?.MediaType?.ToLowerInvariant();
        var acceptable = mediaType switch
        {
            null => true,
            "text/html" or "application/xhtml+xml" => false,
            "application/octet-stream" or "application/ics" or "application/x-ical" or "application/calendar" => true,
            _ => mediaType.StartsWith("text/", StringComparison.Ordinal),
        };
        if (!acceptable)
        {
            throw new CalendarFeedException(
                feed.Name,
                $"the server answered with content type '{mediaType}', not an iCalendar file (text/calendar). An HTML page usually means the link expired or needs a sign-in.",
                isTransient: false);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(CalendarFeedOptions feed, HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } length && length > maxBytes)
        {
            throw TooLarge(feed, maxBytes);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    // Stops at the limit instead of buffering whatever the server sends (or a decompressed bomb).
                    if (buffer.Length + read > maxBytes)
                    {
                        throw TooLarge(feed, maxBytes);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.ToArray();
        }
    }

    private static CalendarFeedException TooLarge(CalendarFeedOptions feed, int maxBytes)
        => new(feed.Name, $"the feed is larger than {maxBytes} bytes (Calendars:MaxBytes); it was not read.", isTransient: false);

    /// <summary>The charset the server named, else UTF-8 (RFC 5545's default); a byte order mark wins over both.</summary>
    private static string Decode(byte[] bytes, string? charset)
    {
        var encoding = Encoding.UTF8;
        if (!string.IsNullOrWhiteSpace(charset))
        {
            try
            {
                encoding = Encoding.GetEncoding(charset.Trim('"', ' '));
            }
            catch (ArgumentException)
            {
                // An unknown charset name: UTF-8 is what almost every feed really is.
            }
        }

        using var reader = new StreamReader(new MemoryStream(bytes), encoding, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}

/// <summary>The feed client's transport: no redirects, no cookies, decompression bounded by the size limit.</summary>
internal static class CalendarFeedHttp
{
    public static SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };
}
