using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>An HTTP case turned into bytes, and the signature values it carries (which must never be echoed or logged).</summary>
public sealed record BuiltRequest(byte[] Bytes, string Head, bool IsHead, IReadOnlyList<string> Signatures);

/// <summary>
/// Turns corpus cases into the bytes to send: bodies (literal, hex, generated), placeholders in paths,
/// headers and bodies, and webhook signatures made with the app's own <c>Sign</c> helpers.
/// </summary>
public sealed partial class HostileRequests(int port, DateTimeOffset now)
{
    private static readonly string[] JsonBodyMethods = ["POST", "PUT", "PATCH"];

    public string Host => $"127.0.0.1:{port}";

    public BuiltRequest BuildHttp(HostileCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var body = BuildBody(c.Spec["body"], c);
        var signature = c.Spec["sign"] is JsonObject sign ? Sign(c, sign, ref body) : null;
        var values = new Placeholders(this, c, body, signature);

        byte[] head;
        if (c.Text("raw") is { } raw)
        {
            head = Encoding.UTF8.GetBytes(values.Expand(raw));
        }
        else
        {
            var method = c.Text("method")!;
            var text = new StringBuilder($"{method} {values.Expand(c.Text("path")!)} HTTP/1.1\r\nHost: {Host}\r\n");
            if (c.Text("auth") == "key")
            {
                text.Append("x-functions-key: ").Append(Canaries.FunctionKey).Append("\r\n");
            }

            // Content-Type: application/json with a body unless the case names its own (or null for none).
            if (c.Spec.TryGetPropertyValue("contentType", out var contentType))
            {
                if (contentType is not null)
                {
                    text.Append("Content-Type: ").Append(values.Expand(contentType.GetValue<string>())).Append("\r\n");
                }
            }
            else if (body is not null)
            {
                text.Append("Content-Type: application/json\r\n");
            }

            foreach (var header in c.Spec["headers"]?.AsArray() ?? [])
            {
                var pair = header!.AsArray();
                text.Append(values.Expand(pair[0]!.GetValue<string>())).Append(": ").Append(values.Expand(pair[1]!.GetValue<string>())).Append("\r\n");
            }

            var chunked = c.Spec["chunked"]?.GetValue<bool>() == true;
            if (chunked)
            {
                text.Append("Transfer-Encoding: chunked\r\n");
            }
            else if (c.Text("contentLength") is { } length)
            {
                text.Append("Content-Length: ").Append(length).Append("\r\n");
            }
            else if (body is not null || JsonBodyMethods.Contains(method))
            {
                text.Append("Content-Length: ").Append((body?.Length ?? 0).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }

            text.Append("\r\n");
            head = Encoding.UTF8.GetBytes(text.ToString());
            if (chunked)
            {
                body = Chunk(body ?? []);
            }
        }

        var bytes = body is null ? head : [.. head, .. body];
        var shown = Encoding.UTF8.GetString(head);
        var isHead = (c.Text("method") ?? c.Text("raw") ?? "").StartsWith("HEAD", StringComparison.Ordinal);
        return new BuiltRequest(bytes, shown.Length > 600 ? shown[..600] + "…" : shown, isHead, signature?.Values ?? []);
    }

    /// <summary>A queue case's message text: the body as UTF-8 text, or base64 of its bytes (<c>"encode": "base64"</c>).</summary>
    public string BuildMessage(HostileCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var body = BuildBody(c.Spec["body"], c) ?? [];
        return c.Text("encode") == "base64"
            ? Convert.ToBase64String(body)
            : new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
    }

    public byte[]? BuildBody(JsonNode? spec, HostileCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        switch (spec)
        {
            case null:
                return null;
            case JsonValue text:
                return Encoding.UTF8.GetBytes(new Placeholders(this, c, null, null).Expand(text.GetValue<string>()));
            case JsonArray parts:
                // Concatenation: each part a body spec of its own (a BOM, then text, then raw bytes...).
                return parts.SelectMany(part => BuildBody(part, c) ?? []).ToArray();
        }

        var o = spec.AsObject();
        if (o["json"] is { } json)
        {
            return Encoding.UTF8.GetBytes(new Placeholders(this, c, null, null).Expand(json.ToJsonString()));
        }

        if (o["hex"] is { } hex)
        {
            return Convert.FromHexString(hex.GetValue<string>().Replace(" ", "", StringComparison.Ordinal));
        }

        if (o["webhook"] is { } provider)
        {
            return Webhook(provider.GetValue<string>(), o, c);
        }

        string S(string key) => o[key]?.GetValue<string>() ?? "";
        int N(string key) => o[key]?.GetValue<int>() ?? throw new InvalidDataException($"{c}: generate needs \"{key}\".");
        switch (o["generate"]?.GetValue<string>())
        {
            case "nest":
                // prefix + open x depth + inner + close x depth + suffix: 100,000 levels in 200 KB.
                var depth = N("depth");
                var nest = new StringBuilder(S("prefix"));
                nest.Insert(nest.Length, S("open"), depth);
                nest.Append(S("inner"));
                nest.Insert(nest.Length, S("close"), depth);
                nest.Append(S("suffix"));
                return Encoding.UTF8.GetBytes(nest.ToString());
            case "fill":
                // The template's @@ becomes "with" repeated "count" times, or as often as makes the body "size" bytes.
                var template = S("template");
                var filler = o["with"]?.GetValue<string>() ?? "a";
                var count = o["count"] is { } fixedCount
                    ? fixedCount.GetValue<int>()
                    : (N("size") - Encoding.UTF8.GetByteCount(template.Replace("@@", "", StringComparison.Ordinal))) / Encoding.UTF8.GetByteCount(filler);
                var filled = template.Replace("@@", string.Concat(Enumerable.Repeat(filler, count)), StringComparison.Ordinal);
                return Encoding.UTF8.GetBytes(filled);
            case "repeat":
                // prefix + item(0) + separator + item(1) ... + suffix; {i} in an item is its index.
                var items = Enumerable.Range(0, N("count")).Select(i => S("item").Replace("{i}", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
                return Encoding.UTF8.GetBytes(S("prefix") + string.Join(S("separator"), items) + S("suffix"));
            default:
                throw new InvalidDataException($"{c}: a body is a string, an array of parts, or an object with json, hex, webhook or generate.");
        }
    }

    /// <summary>A delivery shaped like the provider's documented example, for a meeting tomorrow, that the routing rule would turn into a job.</summary>
    private byte[] Webhook(string provider, JsonObject o, HostileCase c)
    {
        var id = o["id"]?.GetValue<string>() ?? $"hostile-{c.Number}";
        var start = now.AddDays(1);
        return provider switch
        {
            "calendly" => WebhookPayloads.CalendlyCreated(id, start, now),
            "calendly-canceled" => WebhookPayloads.CalendlyCanceled(id, start, now),
            "calcom" => WebhookPayloads.CalCom(o["trigger"]?.GetValue<string>() ?? "BOOKING_CREATED", id, start, now),
            "standard" => WebhookPayloads.Standard(o["type"]?.GetValue<string>() ?? "meeting.scheduled", id, start),
            _ => throw new InvalidDataException($"{c}: unknown webhook payload '{provider}'."),
        };
    }

    private static byte[] Chunk(byte[] body)
    {
        var chunked = new MemoryStream();
        for (var offset = 0; offset < body.Length; offset += 8192)
        {
            var size = Math.Min(8192, body.Length - offset);
            chunked.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            chunked.Write(body, offset, size);
            chunked.Write("\r\n"u8);
        }

        chunked.Write("0\r\n\r\n"u8);
        return chunked.ToArray();
    }

    /// <summary>
    /// The signature of a webhook case: <c>sign.secret</c> (right, wrong, token, calendly, calcom,
    /// standard, whsec-text), <c>sign.at</c> (seconds from now), <c>sign.signedBody</c> (sign another
    /// delivery: a replay), <c>sign.tamper</c> (body: change one letter after signing; append: add a
    /// line break; id: sign another webhook-id).
    /// </summary>
    private Signature Sign(HostileCase c, JsonObject sign, ref byte[]? body)
    {
        var scheme = c.Text("scheme") ?? throw new InvalidDataException($"{c}: a signed case needs \"scheme\".");
        var at = now.AddSeconds(sign["at"]?.GetValue<int>() ?? 0);
        var id = $"msg_hostile_{c.Number}";
        var tamper = sign["tamper"]?.GetValue<string>();
        var signed = sign["signedBody"] is { } other ? BuildBody(other, c) ?? [] : body ?? [];
        var secretName = sign["secret"]?.GetValue<string>() ?? "right";
        var secret = secretName switch
        {
            "right" => scheme switch { "calendly" => Canaries.Calendly, "calcom" => Canaries.CalCom, _ => Canaries.Standard },
            "wrong" => Canaries.Wrong,
            "token" => Canaries.Token,
            "calendly" => Canaries.Calendly,
            "calcom" => Canaries.CalCom,
            "standard" => Canaries.Standard,
            // The whole "whsec_..." text used as the key, instead of the bytes it encodes: a common slip.
            "whsec-text" => Canaries.Standard,
            _ => throw new InvalidDataException($"{c}: unknown sign.secret '{secretName}'."),
        };

        byte[] mac;
        switch (scheme)
        {
            case "calendly":
                mac = Convert.FromHexString(CalendlySignature.Sign(signed, secret, at).Split("v1=")[1]);
                break;
            case "calcom":
                mac = Convert.FromHexString(CalComSignature.Sign(signed, secret));
                break;
            case "standard":
                var whsec = secretName == "whsec-text" || !secret.StartsWith("whsec_", StringComparison.Ordinal)
                    ? "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))
                    : secret;
                var signedId = tamper == "id" ? id + "x" : id;
                mac = Convert.FromBase64String(StandardWebhookSignature.Sign(signedId, at, signed, whsec)["v1,".Length..]);
                break;
            default:
                throw new InvalidDataException($"{c}: unknown scheme '{scheme}'.");
        }

        if (tamper == "body" && body is not null)
        {
            body = (byte[])body.Clone();
            var letter = Array.FindLastIndex(body, b => char.IsAsciiLetter((char)b));
            body[letter] ^= 0x20; // the same letter in the other case: one byte changed, the JSON still well-formed
        }
        else if (tamper == "append" && body is not null)
        {
            body = [.. body, (byte)'\n'];
        }

        return new Signature(scheme, at.ToUnixTimeSeconds(), id, mac);
    }

    /// <summary>A computed signature and every text form of it a case can put in a header.</summary>
    private sealed record Signature(string Scheme, long Time, string Id, byte[] Mac)
    {
        public string Text(string? form)
        {
            var plain = Scheme == "standard" ? Convert.ToBase64String(Mac) : Convert.ToHexStringLower(Mac);
            return form switch
            {
                null => plain,
                "upper" => plain.ToUpperInvariant(),
                // One character changed to another of the same alphabet.
                "flip" => (plain[0] == '0' ? '1' : plain[0] == 'A' ? 'B' : plain[0] is >= 'a' and <= 'z' or >= 'A' and <= 'Z' ? '0' : 'A') + plain[1..],
                "trunc" => plain[..^1],
                "hex" => Convert.ToHexStringLower(Mac),
                "b64" => Convert.ToBase64String(Mac),
                _ => throw new InvalidDataException($"unknown signature form '{form}'."),
            };
        }

        public IReadOnlyList<string> Values => [Text(null), Text("upper"), Text("hex"), Text("b64")];
    }

    /// <summary>
    /// <c>{{host}}</c>, <c>{{key}}</c> (and <c>key:upper|lower|trunc|extra</c>), <c>{{t}}</c>, <c>{{t+N}}</c>,
    /// <c>{{t-N}}</c>, <c>{{id}}</c>, <c>{{mac}}</c> (and <c>mac:upper|flip|trunc|hex|b64</c>), <c>{{len}}</c>,
    /// <c>{{repeat:TEXT:N}}</c>, <c>{{b64url:TEXT}}</c>.
    /// </summary>
    private sealed partial class Placeholders(HostileRequests owner, HostileCase c, byte[]? body, Signature? signature)
    {
        public string Expand(string text) => Token().Replace(text, match => Value(match.Groups[1].Value));

        private string Value(string token)
        {
            var (name, argument) = token.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? (token[..colon], token[(colon + 1)..]) : (token, null);
            Signature Signed() => signature ?? throw new InvalidDataException($"{c}: {{{{{token}}}}} needs \"sign\".");
            switch (name)
            {
                case "host":
                    return owner.Host;
                case "key":
                    return argument switch
                    {
                        null => Canaries.FunctionKey,
                        "upper" => Canaries.FunctionKey.ToUpperInvariant(),
                        "lower" => Canaries.FunctionKey.ToLowerInvariant(),
                        "trunc" => Canaries.FunctionKey[..^1],
                        "extra" => Canaries.FunctionKey + "0",
                        _ => throw new InvalidDataException($"{c}: unknown key form '{argument}'."),
                    };
                case "id":
                    return Signed().Id;
                case "mac":
                    return Signed().Text(argument);
                case "len":
                    return (body?.Length ?? 0).ToString(CultureInfo.InvariantCulture);
                case "repeat":
                    var last = argument!.LastIndexOf(':');
                    return string.Concat(Enumerable.Repeat(argument[..last], int.Parse(argument[(last + 1)..], CultureInfo.InvariantCulture)));
                case "b64url":
                    return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(argument ?? ""));
                default:
                    if (TimeToken().Match(token) is { Success: true } time)
                    {
                        var offset = time.Groups[1].Success ? long.Parse(time.Groups[1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
                        return (Signed().Time + offset).ToString(CultureInfo.InvariantCulture);
                    }

                    throw new InvalidDataException($"{c}: unknown placeholder {{{{{token}}}}}.");
            }
        }

        [GeneratedRegex(@"\{\{(.+?)\}\}", RegexOptions.Singleline)]
        private static partial Regex Token();

        [GeneratedRegex(@"^t([+-]\d+)?$")]
        private static partial Regex TimeToken();
    }
}
