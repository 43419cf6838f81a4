using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>An HTTP/1.1 response as it came off the wire.</summary>
public sealed record RawResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The status line's code, every header line and the body, for scanning.</summary>
    public string AllText => string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}")) + "\n" + BodyText;
}

/// <summary>
/// One HTTP/1.1 exchange on a fresh loopback connection, sending the request bytes exactly as given.
/// <see cref="HttpClient"/> cannot be used for hostile input: it normalises <c>../</c> in paths, refuses
/// CR/LF in header values and merges duplicate headers, which is exactly what these requests try.
/// The connection is kept alive (no <c>Connection: close</c>), so Kestrel drains a body the app did not
/// read instead of resetting the connection under the response.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(int port, byte[] request, bool headRequest, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var cancel = new CancellationTokenSource(timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();

        // Written while the response is read: the server may answer (413) before it has read the body.
        var sending = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(request, cancel.Token);
                await stream.FlushAsync(cancel.Token);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                // The server answered and closed before taking everything: the answer is what counts.
            }
        });

        var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                if (TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), headRequest, endOfStream: false) is { } complete)
                {
                    return complete;
                }

                int read;
                try
                {
                    read = await stream.ReadAsync(chunk, cancel.Token);
                }
                catch (IOException) when (received.Length > 0)
                {
                    read = 0;
                }

                if (read == 0)
                {
                    return TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), headRequest, endOfStream: true)
                           ?? throw new IOException(received.Length == 0
                               ? "The server closed the connection without an answer."
                               : "The server closed the connection in the middle of its answer: " + Preview(received));
                }

                received.Write(chunk, 0, read);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"No complete answer within {timeout.TotalSeconds:F0} s; received so far: {Preview(received)}");
        }
        finally
        {
            client.Close();
            await sending;
        }
    }

    private static string Preview(MemoryStream received)
    {
        var text = Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)Math.Min(received.Length, 300));
        return text.Length == 0 ? "(nothing)" : text;
    }

    private static RawResponse? TryParse(ReadOnlySpan<byte> data, bool headRequest, bool endOfStream)
    {
        var headEnd = data.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return null;
        }

        var lines = Encoding.Latin1.GetString(data[..headEnd]).Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !int.TryParse(statusParts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new IOException("Not an HTTP status line: " + lines[0]);
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(colon < 0 ? new(line, "") : new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var rest = data[(headEnd + 4)..];
        string? Header(string name) => headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        if (status is >= 100 and < 200)
        {
            // An interim answer (100 Continue): the final one follows it.
            return TryParse(rest, headRequest, endOfStream);
        }

        if (headRequest || status is 204 or 304)
        {
            return new RawResponse(status, headers, []);
        }

        if (Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return Dechunk(rest) is { } body ? new RawResponse(status, headers, body) : null;
        }

        if (Header("Content-Length") is { } lengthText)
        {
            var length = int.Parse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture);
            return rest.Length >= length ? new RawResponse(status, headers, rest[..length].ToArray()) : null;
        }

        // No framing: the body runs to the end of the connection.
        return endOfStream ? new RawResponse(status, headers, rest.ToArray()) : null;
    }

    private static byte[]? Dechunk(ReadOnlySpan<byte> data)
    {
        var body = new MemoryStream();
        while (true)
        {
            var lineEnd = data.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return null;
            }

            var sizeText = Encoding.ASCII.GetString(data[..lineEnd]).Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            data = data[(lineEnd + 2)..];
            if (size == 0)
            {
                // Trailers (none expected) end with an empty line.
                return data.IndexOf("\r\n"u8) < 0 ? null : body.ToArray();
            }

            if (data.Length < size + 2)
            {
                return null;
            }

            body.Write(data[..size]);
            data = data[(size + 2)..];
        }
    }
}
