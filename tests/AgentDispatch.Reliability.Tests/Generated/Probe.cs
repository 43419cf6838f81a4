using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using AgentDispatch.Jobs;
using AgentDispatch.Reliability.Tests.Hostile;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>One answer of the app to a generated request.</summary>
public sealed record Answer(int Status, string? ContentType, string Body, TimeSpan Took, string Path = "");

/// <summary>A ledger row as a property compares it: its version, and the meeting it is for when it is a job.</summary>
public sealed record LedgerRow(string ETag, bool IsJob, string? MeetingId);

/// <summary>
/// Sends generated requests to one hostile dev host and holds the properties every answer must keep:
/// a 2xx or 4xx (a 4xx with a problem body), within the answer timeout, holding no secret; and around
/// a refused request, a ledger in which no job was added and no sentinel job changed. Counts what it
/// saw per route, for the report.
/// </summary>
public sealed class Probe(HostileHost host, ITestOutputHelper output) : IDisposable
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{host.Port}"),
        Timeout = AnswerTimeout,
    };

    private readonly Dictionary<string, RouteStats> _routes = new(StringComparer.Ordinal);

    public HostileHost Host => host;

    public async Task<Answer> SendAsync(string route, HttpMethod method, string path, byte[]? body, Action<HttpRequestHeaders>? headers = null, bool functionKey = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (functionKey)
        {
            request.Headers.TryAddWithoutValidation("x-functions-key", Canaries.FunctionKey);
        }

        headers?.Invoke(request.Headers);
        var clock = Stopwatch.StartNew();
        Answer answer;
        try
        {
            using var response = await _http.SendAsync(request);
            answer = new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), clock.Elapsed, path);
        }
        catch (TaskCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{route}: no answer within {AnswerTimeout.TotalSeconds:F0} s (a hang)");
        }

        Stats(route).Add(answer);
        CheckAnswer(route, answer);
        return answer;
    }

    /// <summary>
    /// Stores a job 30 days ahead through the API, as the sentinel a run must leave untouched (so far ahead
    /// that the app itself has no reason to change it during a run). Returns its id.
    /// </summary>
    public async Task<string> StoreJobAsync(string what, string meetingId, string? idempotencyKey = null)
    {
        var key = idempotencyKey is null ? "" : $",\"idempotencyKey\":\"{idempotencyKey}\"";
        var body = $"{{\"meetingId\":\"{meetingId}\",\"agentId\":\"hostile-agent\",\"dispatchAt\":\"{DateTimeOffset.UtcNow.AddDays(30):O}\"{key}}}";
        var answer = await SendAsync($"POST /api/dispatches ({what})", HttpMethod.Post, "/api/dispatches", System.Text.Encoding.UTF8.GetBytes(body), functionKey: true);
        Assert.True(answer.Status == 202, $"the {what} job was answered {answer.Status}: {answer.Body}");
        return System.Text.Json.Nodes.JsonNode.Parse(answer.Body)!["id"]!.GetValue<string>();
    }

    /// <summary>2xx or 4xx, never 5xx; a 4xx is <c>application/problem+json</c>; no canary secret comes back.</summary>
    public static void CheckAnswer(string route, Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Status is < 200 or >= 500 or (>= 300 and < 400))
        {
            throw new Xunit.Sdk.XunitException($"{route}: answered {answer.Status}: {Cut(answer.Body)}");
        }

        if (answer.Status >= 400 && answer.ContentType != "application/problem+json" && !ByKestrel(answer))
        {
            throw new Xunit.Sdk.XunitException($"{route}: answered {answer.Status} as '{answer.ContentType}', not application/problem+json: {Cut(answer.Body)}");
        }

        foreach (var (name, value) in Canaries.Forms())
        {
            if (answer.Body.Contains(value, StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"{route}: the answer holds {name}");
            }
        }
    }

    /// <summary>
    /// Kestrel's and routing's own refusals, made before any function and with no body: a path that decodes
    /// to a NUL (400), a request line over its 8 KiB (414), an empty id segment that leaves no route (404,
    /// or 405 where the path is another route's). The hostile corpus sends these byte for byte as "by": "server".
    /// </summary>
    private static bool ByKestrel(Answer answer)
        => answer.Body.Length == 0 && ((answer.Status == 400 && answer.Path.Contains("%00", StringComparison.Ordinal)) || (answer.Status == 414 && answer.Path.Length > 8 * 1024)
            || (answer.Status is 404 or 405 && (answer.Path.EndsWith('/') || answer.Path.Contains("//", StringComparison.Ordinal))));

    /// <summary>Every ledger row by table key.</summary>
    public async Task<IReadOnlyDictionary<(string, string), LedgerRow>> LedgerAsync()
        => (await host.LedgerRowsAsync()).ToDictionary(
            r => (r.PartitionKey, r.RowKey),
            r => new LedgerRow(r.ETag.ToString(), DispatchJobEntity.IsJobRow(r.RowKey), r.GetString("MeetingId")));

    /// <summary>
    /// Around a refused or ignored request: no job row added (unless <paramref name="jobsMayBeAdded"/>) or
    /// removed, and none of <paramref name="sentinels"/> changed.
    /// </summary>
    public static void CheckUnchanged(
        string what, IReadOnlyDictionary<(string, string), LedgerRow> before, IReadOnlyDictionary<(string, string), LedgerRow> after, IEnumerable<(string, string)> sentinels, bool jobsMayBeAdded = false)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var added = after.Where(r => r.Value.IsJob && !jobsMayBeAdded && !before.ContainsKey(r.Key)).Select(r => $"{r.Key} (meeting {r.Value.MeetingId})").ToList();
        var removed = before.Where(r => r.Value.IsJob && !after.ContainsKey(r.Key)).Select(r => r.Key.ToString()).ToList();
        var changed = sentinels.Where(k => before.TryGetValue(k, out var was) && (!after.TryGetValue(k, out var now) || now.ETag != was.ETag)).ToList();
        if (added.Count + removed.Count + changed.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"{what} was not stored, yet the ledger changed: added {string.Join(", ", added)}; removed {string.Join(", ", removed)}; sentinels changed {string.Join(", ", changed)}");
        }
    }

    /// <summary>Around a stored request: every job row it added, or moved to another meeting, is for a meeting id the request named.</summary>
    public static void CheckStored(string what, IReadOnlyDictionary<(string, string), LedgerRow> before, IReadOnlyDictionary<(string, string), LedgerRow> after, string sent)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(sent);
        foreach (var (key, row) in after.Where(r => r.Value.IsJob))
        {
            var isNew = !before.TryGetValue(key, out var was) || was.MeetingId != row.MeetingId;
            if (isNew && (row.MeetingId is not { Length: > 0 } meeting || !sent.Contains(meeting, StringComparison.Ordinal)))
            {
                throw new Xunit.Sdk.XunitException($"{what} stored job {key} for meeting '{Delivery.Printable(row.MeetingId ?? "")}', which the request does not name");
            }
        }
    }

    public RouteStats Stats(string route)
    {
        if (!_routes.TryGetValue(route, out var stats))
        {
            _routes[route] = stats = new RouteStats(route);
        }

        return stats;
    }

    /// <summary>The health endpoint answers ok and the host is not stopping.</summary>
    public async Task CheckHealthyAsync()
    {
        using var health = await _http.GetAsync("/api/health");
        var body = await health.Content.ReadAsStringAsync();
        Assert.True((int)health.StatusCode == 200 && body.Contains("\"status\":\"ok\"", StringComparison.Ordinal), $"health after the run: {(int)health.StatusCode} {body}");
        Assert.False(host.Stopping, "the dev host is stopping after the run");
    }

    /// <summary>The first logged error with an exception, for a report; null when there is none.</summary>
    public string? FirstException()
        => host.Logs.Events.FirstOrDefault(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error && e.Text.Contains(" | exception: ", StringComparison.Ordinal)) is { } logged ? Cut(logged.Text) : null;

    /// <summary>The log events of unhandled exceptions: each one is a failure, whatever was answered.</summary>
    public void CheckNoUnhandledExceptions()
    {
        var thrown = host.Logs.Events.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error && e.Text.Contains(" | exception: ", StringComparison.Ordinal)).ToList();
        Assert.True(thrown.Count == 0, $"{thrown.Count} error(s) with an exception were logged, the first: {(thrown.Count == 0 ? "" : Cut(thrown[0].Text))}");
    }

    public void Report()
    {
        foreach (var stats in _routes.Values.OrderBy(s => s.Route, StringComparer.Ordinal))
        {
            output.WriteLine(stats.ToString());
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Cut(string text) => text.Length > 600 ? text[..600] + "…" : text;
}

/// <summary>What one route answered over a run: cases, answers by status, the longest answer.</summary>
public sealed class RouteStats(string route)
{
    private readonly SortedDictionary<int, int> _statuses = [];

    public string Route => route;

    public int Cases { get; private set; }

    public TimeSpan Longest { get; private set; }

    public int ServerErrors => _statuses.Where(s => s.Key >= 500).Sum(s => s.Value);

    public void Add(Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        Cases++;
        _statuses[answer.Status] = _statuses.GetValueOrDefault(answer.Status) + 1;
        Longest = answer.Took > Longest ? answer.Took : Longest;
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{route}: {Cases} generated cases, 5xx {ServerErrors}, longest answer {Longest.TotalMilliseconds:F0} ms; answers {string.Join(", ", _statuses.Select(s => $"{s.Key}: {s.Value}"))}");
}
