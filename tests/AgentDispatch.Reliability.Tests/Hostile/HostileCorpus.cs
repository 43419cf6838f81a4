using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>
/// One bad request of the corpus: an HTTP request (sent byte for byte) or a queue message, with what
/// must come of it. The fields are documented in Hostile/Corpus/README.md.
/// </summary>
public sealed class HostileCase
{
    internal HostileCase(string file, int number, JsonObject spec)
    {
        File = file;
        Number = number;
        Spec = spec;
    }

    /// <summary>The corpus file, without its extension.</summary>
    public string File { get; }

    /// <summary>Position in the whole corpus, from 1; makes generated ids unique.</summary>
    public int Number { get; }

    public JsonObject Spec { get; }

    public string Name => Text("name")!;

    public string Category => Text("category")!;

    /// <summary>The route (or queue) under attack, for the report: the path sent may not name it, by design.</summary>
    public string Route => Text("route")!;

    public bool IsQueue => Spec.ContainsKey("queue");

    /// <summary>A bug this case reveals that is not fixed yet: the case is expected to fail, with this explanation.</summary>
    public string? KnownFailure => Text("knownFailure");

    public string? Text(string key) => Spec[key] is JsonValue value ? value.GetValue<string>() : null;

    public int? Number32(string key) => Spec[key] is JsonValue value ? value.GetValue<int>() : null;

    public override string ToString() => $"{File}: {Name}";
}

public static class HostileCorpus
{
    public static readonly IReadOnlyList<string> Categories =
    [
        "malformed-json", "wrong-type", "missing-field", "blank-id", "huge-body", "huge-field", "deep-nesting", "duplicate-key",
        "unknown-field", "unicode", "bad-timestamp", "bad-query", "signature", "function-key", "header-injection", "framing",
        "path-traversal", "unknown-id", "content-type", "method",
    ];

    private static readonly HashSet<string> CommonKeys = ["name", "category", "route", "why", "knownFailure", "errorField", "body"];

    private static readonly HashSet<string> HttpKeys =
        ["method", "path", "auth", "headers", "contentType", "chunked", "contentLength", "sign", "scheme", "raw", "status", "by"];

    private static readonly HashSet<string> QueueKeys = ["queue", "encode", "expect"];

    private static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Hostile", "Corpus");

    /// <summary>Every case of every corpus file, in file order; a malformed case stops the load, naming it.</summary>
    public static IReadOnlyList<HostileCase> Load()
    {
        var cases = new List<HostileCase>();
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            var file = Path.GetFileNameWithoutExtension(path);
            var root = JsonNode.Parse(System.IO.File.ReadAllText(path), documentOptions: ReadOptions)?.AsObject()
                       ?? throw new InvalidDataException($"{file}: not a JSON object.");
            var defaults = root["defaults"]?.AsObject() ?? [];
            foreach (var node in root["cases"]?.AsArray() ?? throw new InvalidDataException($"{file}: no \"cases\" array."))
            {
                var spec = (JsonObject)defaults.DeepClone();
                foreach (var (key, value) in node!.AsObject())
                {
                    spec[key] = value?.DeepClone();
                }

                var hostile = new HostileCase(file, cases.Count + 1, spec);
                Validate(hostile);
                cases.Add(hostile);
            }
        }

        return cases;
    }

    private static void Validate(HostileCase c)
    {
        string Where() => $"{c.File}, case {c.Spec["name"]?.ToJsonString() ?? "#" + c.Number}";
        foreach (var key in new[] { "name", "category", "route" })
        {
            if (string.IsNullOrWhiteSpace(c.Text(key)))
            {
                throw new InvalidDataException($"{Where()}: \"{key}\" is required.");
            }
        }

        if (!Categories.Contains(c.Category))
        {
            throw new InvalidDataException($"{Where()}: unknown category '{c.Category}'; known: {string.Join(", ", Categories)}.");
        }

        var allowed = c.IsQueue ? QueueKeys : HttpKeys;
        if (c.Spec.Select(p => p.Key).FirstOrDefault(k => !CommonKeys.Contains(k) && !allowed.Contains(k)) is { } unknown)
        {
            throw new InvalidDataException($"{Where()}: unknown field '{unknown}'.");
        }

        if (c.IsQueue)
        {
            if (c.Text("queue") is not ("requests" or "wake") || c.Spec["body"] is null || c.Text("expect") is not ("poison" or "dropped"))
            {
                throw new InvalidDataException($"{Where()}: a queue case needs \"queue\" (requests|wake), \"body\" and \"expect\" (poison|dropped).");
            }

            return;
        }

        // A signed delivery may be valid and still unschedulable: answered 200, ignored, nothing stored.
        if (c.Number32("status") is not (>= 400 and < 500) && !(c.Number32("status") == 200 && c.Spec["sign"] is not null))
        {
            throw new InvalidDataException($"{Where()}: \"status\" must be the 4xx expected (or 200 for a signed delivery that is ignored).");
        }

        if (c.Text("raw") is null && (c.Text("method") is null || c.Text("path") is null))
        {
            throw new InvalidDataException($"{Where()}: \"method\" and \"path\", or \"raw\", are required.");
        }

        if (c.Text("by") is not (null or "app" or "server") || (c.Text("by") == "server" && string.IsNullOrWhiteSpace(c.Text("why"))))
        {
            throw new InvalidDataException($"{Where()}: \"by\" is app (the default) or server; a server answer needs a \"why\".");
        }
    }
}
