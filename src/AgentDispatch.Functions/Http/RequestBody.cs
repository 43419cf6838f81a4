using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AgentDispatch.Functions.Http;

/// <summary>A request body read whole, or the problem that stopped it being read.</summary>
public readonly record struct BodyRead(ReadOnlyMemory<byte> Body, IResult? Problem);

public static class RequestBody
{
    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/> bytes. Stops reading as soon as the
    /// limit is passed, so an oversized body costs no more than the limit.
    /// </summary>
    public static async Task<BodyRead> ReadJsonAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            return new BodyRead(default, Problems.Status(
                StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported Content-Type.",
                "Content-Type must be application/json."));
        }

        if (request.ContentLength > maxBytes)
        {
            return new BodyRead(default, TooLarge(maxBytes));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 16 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    return new BodyRead(default, TooLarge(maxBytes));
                }
            }

            return new BodyRead(buffer.AsSpan(0, length).ToArray(), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IResult TooLarge(int maxBytes) => Problems.Status(
        StatusCodes.Status413PayloadTooLarge, "body-too-large", "The request body is too large.",
        $"The body must be at most {maxBytes} bytes.");

    private static bool IsJson(string contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var media)
           && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true)
           && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}
