using System.Globalization;
using Google.Protobuf;

namespace AgentDispatch.Testing.Otlp;

/// <summary>A span as an OTLP/HTTP export carried it; ids in lowercase hex, as in a <c>traceparent</c>.</summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    OtlpSpanKind Kind,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<OtlpLink> Links)
{
    public string? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value : null;
}

public sealed record OtlpLink(string TraceId, string SpanId);

/// <summary>OTLP's <c>Span.SpanKind</c>.</summary>
public enum OtlpSpanKind
{
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

/// <summary>A metric as exported: its name and the meter (scope) it came from.</summary>
public sealed record OtlpMetric(string Name, string Scope);

/// <summary>
/// Reads the OTLP protobuf messages a test needs, field by field with <see cref="CodedInputStream"/>
/// (the generated OpenTelemetry.Proto types are not available): <c>ExportTraceServiceRequest</c> and
/// <c>ExportMetricsServiceRequest</c>, keeping what tests assert on and skipping the rest. Field
/// numbers are those of opentelemetry-proto's <c>trace.proto</c>, <c>metrics.proto</c> and <c>common.proto</c>.
/// </summary>
public static class OtlpWire
{
    /// <summary>The spans of an <c>ExportTraceServiceRequest</c> (resource_spans = 1 → scope_spans = 2 → spans = 2).</summary>
    public static IReadOnlyList<OtlpSpan> ReadSpans(ReadOnlySpan<byte> body)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Messages(ByteString.CopyFrom(body), 1))
        {
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                var scope = ScopeName(scopeSpans);
                spans.AddRange(Messages(scopeSpans, 2).Select(span => ReadSpan(span, scope)));
            }
        }

        return spans;
    }

    /// <summary>The metrics of an <c>ExportMetricsServiceRequest</c> (resource_metrics = 1 → scope_metrics = 2 → metrics = 2).</summary>
    public static IReadOnlyList<OtlpMetric> ReadMetrics(ReadOnlySpan<byte> body)
    {
        var metrics = new List<OtlpMetric>();
        foreach (var resourceMetrics in Messages(ByteString.CopyFrom(body), 1))
        {
            foreach (var scopeMetrics in Messages(resourceMetrics, 2))
            {
                var scope = ScopeName(scopeMetrics);
                metrics.AddRange(Messages(scopeMetrics, 2).Select(metric => new OtlpMetric(Text(metric, 1) ?? "", scope)));
            }
        }

        return metrics;
    }

    // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6, attributes = 9, links = 13.
    private static OtlpSpan ReadSpan(ByteString span, string scope)
    {
        var fields = Fields(span);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in fields.Where(f => f.Number == 9).Select(f => KeyValue((ByteString)f.Value)))
        {
            attributes[key] = value;
        }

        var links = fields.Where(f => f.Number == 13)
            .Select(f => (ByteString)f.Value)
            .Select(link => new OtlpLink(Hex(Bytes(link, 1)), Hex(Bytes(link, 2))))
            .ToList();
        return new OtlpSpan(
            Hex(Bytes(span, 1)),
            Hex(Bytes(span, 2)),
            Hex(Bytes(span, 4)),
            Text(span, 5) ?? "",
            (OtlpSpanKind)(int)(fields.FirstOrDefault(f => f.Number == 6).Value as ulong? ?? 0),
            scope,
            attributes,
            links);
    }

    // KeyValue: key = 1, value = 2 (AnyValue: string = 1, bool = 2, int = 3, double = 4; others shown as their kind).
    private static (string Key, string Value) KeyValue(ByteString keyValue)
    {
        var key = Text(keyValue, 1) ?? "";
        var any = Fields(Bytes(keyValue, 2) ?? ByteString.Empty).FirstOrDefault();
        var value = any.Number switch
        {
            1 => ((ByteString)any.Value).ToStringUtf8(),
            2 => ((ulong)any.Value != 0).ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            3 => ((long)(ulong)any.Value).ToString(CultureInfo.InvariantCulture),
            4 => BitConverter.Int64BitsToDouble((long)(ulong)any.Value).ToString(CultureInfo.InvariantCulture),
            0 => "",
            _ => $"<field {any.Number}>",
        };
        return (key, value);
    }

    // ScopeSpans / ScopeMetrics: scope = 1 (InstrumentationScope: name = 1).
    private static string ScopeName(ByteString scoped) => Bytes(scoped, 1) is { } scope ? Text(scope, 1) ?? "" : "";

    private static IEnumerable<ByteString> Messages(ByteString message, int number)
        => Fields(message).Where(f => f.Number == number && f.Value is ByteString).Select(f => (ByteString)f.Value);

    private static ByteString? Bytes(ByteString message, int number)
        => Fields(message).Where(f => f.Number == number).Select(f => f.Value).OfType<ByteString>().LastOrDefault();

    private static string? Text(ByteString message, int number) => Bytes(message, number)?.ToStringUtf8();

    /// <summary>Every field of a message in wire order: a length-delimited one as its bytes, a varint or fixed one as a number.</summary>
    private static List<(int Number, object Value)> Fields(ByteString message)
    {
        var fields = new List<(int, object)>();
        var input = message.CreateCodedInput();
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.LengthDelimited:
                    fields.Add((number, input.ReadBytes()));
                    break;
                case WireFormat.WireType.Varint:
                    fields.Add((number, input.ReadUInt64()));
                    break;
                case WireFormat.WireType.Fixed64:
                    fields.Add((number, input.ReadFixed64()));
                    break;
                case WireFormat.WireType.Fixed32:
                    fields.Add((number, (ulong)input.ReadFixed32()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }

    private static string Hex(ByteString? bytes) => bytes is null || bytes.IsEmpty ? "" : Convert.ToHexStringLower(bytes.Span);
}
