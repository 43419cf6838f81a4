using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentDispatch.Testing.Properties;

/// <summary>
/// JSON as a hostile sender writes it: strings may hold lone UTF-16 surrogates (written as <c>\uD800</c>,
/// which System.Text.Json would refuse to write), numbers are literals no double holds (<c>1e400</c>),
/// and an object may repeat a key. <see cref="Write"/> gives the text sent.
/// </summary>
public abstract record GenJson
{
    public static GenJson Null { get; } = new Literal("null");

    public static GenJson Of(string text) => new Text(text);

    /// <summary>A document as the model: what a template payload is read into before it is mutated.</summary>
    public static GenJson From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new Map([.. element.EnumerateObject().Select(p => new KeyValuePair<string, GenJson>(p.Name, From(p.Value)))]),
        JsonValueKind.Array => new List([.. element.EnumerateArray().Select(From)]),
        JsonValueKind.String => new Text(element.GetString()!),
        _ => new Literal(element.GetRawText()),
    };

    public static GenJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    public string Write() => Write(ascii: false);

    /// <param name="ascii">Every character past ASCII as a <c>\uXXXX</c> escape, as System.Text.Json writes it.</param>
    public string Write(bool ascii)
    {
        var text = new StringBuilder();
        Write(text, ascii);
        return text.ToString();
    }

    protected abstract void Write(StringBuilder text, bool ascii);

    public override string ToString() => Write();

    public sealed record Text(string Value) : GenJson
    {
        protected override void Write(StringBuilder text, bool ascii) => Quote(text, Value, ascii);
    }

    /// <summary>A number, <c>true</c>, <c>false</c> or <c>null</c>, written as it is.</summary>
    public sealed record Literal(string Json) : GenJson
    {
        protected override void Write(StringBuilder text, bool ascii) => text.Append(Json);
    }

    public sealed record List(IReadOnlyList<GenJson> Items) : GenJson
    {
        protected override void Write(StringBuilder text, bool ascii)
        {
            text.Append('[');
            for (var i = 0; i < Items.Count; i++)
            {
                text.Append(i == 0 ? "" : ",");
                Items[i].Write(text, ascii);
            }

            text.Append(']');
        }
    }

    public sealed record Map(IReadOnlyList<KeyValuePair<string, GenJson>> Properties) : GenJson
    {
        public GenJson? this[string name] => Properties.LastOrDefault(p => p.Key == name).Value;

        protected override void Write(StringBuilder text, bool ascii)
        {
            text.Append('{');
            for (var i = 0; i < Properties.Count; i++)
            {
                text.Append(i == 0 ? "" : ",");
                Quote(text, Properties[i].Key, ascii);
                text.Append(':');
                Properties[i].Value.Write(text, ascii);
            }

            text.Append('}');
        }
    }

    /// <summary>JSON string escaping that keeps what is there: a lone surrogate is escaped, not replaced (and, <paramref name="ascii"/>, all past ASCII).</summary>
    private static void Quote(StringBuilder text, string value, bool ascii)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) && !ascii)
            {
                text.Append(c).Append(value[++i]);
            }
            else if (c is '"' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else if (c < 0x20 || char.IsSurrogate(c) || (ascii && c >= 0x7F))
            {
                text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        text.Append('"');
    }
}
