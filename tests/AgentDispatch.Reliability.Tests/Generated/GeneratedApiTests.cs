using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Reliability.Tests.Hostile;
using AgentDispatch.Testing.Properties;
using CsCheck;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>
/// Generated requests on the HTTP API of one hostile dev host, with the function key: job creation
/// (plain and as a CloudEvent), the pass-through, reads, reschedules and cancels of ids that look like
/// a stored sentinel job's, listings with any query, and the failed-notification routes. Every answer
/// is 2xx or 4xx; a refused request adds no job and leaves the sentinel as it was; a valid request
/// makes its job; the host stays healthy.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class GeneratedApiTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int CiCases = 1500;

    private const string SentinelMeeting = "sent-inel-0001";

    [Fact]
    public async Task GeneratedRequests_OnEveryApiRoute_AreAnswered2xxOr4xx_AndChangeNothingTheyAreRefused()
    {
        await using var host = await HostileHost.StartAsync(storage);
        using var probe = new Probe(host, output);
        var now = DateTimeOffset.UtcNow;
        var sentinelId = await probe.StoreJobAsync("sentinel", SentinelMeeting, Deliveries.SentinelId);
        var sentinels = (await probe.LedgerAsync()).Keys.ToList();

        // The job generated reschedules may move (the sentinel is only ever imitated: once moved, a job is rightly changed later by its wake-up).
        var targetId = await probe.StoreJobAsync("target", "targ-etjo-b001");

        var valid = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var tried = await PropertyRun.CheckAsync(Requests(now, sentinelId, targetId), async request =>
        {
            var before = await probe.LedgerAsync();
            var answer = await probe.SendAsync(request.Route, request.Method, request.Path, request.Body, h =>
            {
                if (request.IdempotencyHeader is { } key)
                {
                    h.TryAddWithoutValidation("Idempotency-Key", key);
                }
            }, functionKey: true);
            var after = await probe.LedgerAsync();
            if (answer.Status < 300 && request.Changes)
            {
                Probe.CheckStored(request.Route, before, after, request.Text);
            }
            else
            {
                Probe.CheckUnchanged($"{request.Route} answered {answer.Status} ({answer.Body})", before, after, sentinels);
            }

            // A key seen before may be answered with its job (200) or as a conflict (409): only a first use must make one.
            if (keys.Add(request.Key) && request.Valid)
            {
                valid++;
                Assert.True(answer.Status is 201 or 202, $"a valid request was answered {answer.Status}: {answer.Body}");
            }
        }, PropertyRun.Cases(CiCases), r => r.ToString());

        probe.Report();
        output.WriteLine($"HTTP API: {tried} cases from seed {PropertyRun.Seed}, {valid} of them valid job requests (each made its job)");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
        Assert.True(valid > 0, "no generated request was valid: the generator no longer covers the path that stores a job");
    }

    /// <summary>One generated API request. <paramref name="Changes"/>: a 2xx may store or change a job.</summary>
    public sealed record ApiRequest(string Route, HttpMethod Method, string Path, byte[]? Body, string? IdempotencyHeader, string Key, bool Valid, bool Changes)
    {
        public string Text => Path + "\n" + (Body is null ? "" : Encoding.UTF8.GetString(Body));

        public override string ToString() => $"{Method} {Delivery.Printable(Cut(Path))} Idempotency-Key={IdempotencyHeader ?? "(none)"} valid={Valid} body={(Body is null ? "(none)" : Delivery.Printable(Cut(Encoding.UTF8.GetString(Body))))}";

        private static string Cut(string text) => text.Length > 600 ? text[..600] + "…" : text;
    }

    private static Gen<ApiRequest> Requests(DateTimeOffset now, string sentinelId, string targetId)
    {
        var ids = Gen.Frequency((2, Gen.Const(targetId)), (6, HostileGen.LookAlike(sentinelId)), (2, HostileGen.Text));
        var lookAlikes = Gen.Frequency((7, HostileGen.LookAlike(sentinelId)), (3, HostileGen.Text));
        return Gen.Frequency(
            (30, Create(now, "/api/dispatches", cloudEvent: false)),
            (10, Create(now, "/api/dispatches", cloudEvent: true)),
            (5, PassThrough()),
            (15, Gen.Select(ids, Reschedule(now), (id, body) => new ApiRequest("PATCH /api/dispatches/{id}", HttpMethod.Patch, "/api/dispatches/" + Escape(id), body, null, id, false, Changes: id == targetId))),
            (8, lookAlikes.Select(id => new ApiRequest("DELETE /api/dispatches/{id}", HttpMethod.Delete, "/api/dispatches/" + Escape(id), null, null, id, false, Changes: false))),
            (8, Gen.Frequency((2, Gen.Const(sentinelId)), (8, ids)).Select(id => new ApiRequest("GET /api/dispatches/{id}", HttpMethod.Get, "/api/dispatches/" + Escape(id), null, null, id, false, Changes: false))),
            (15, Query(now).Select(query => new ApiRequest("GET /api/dispatches", HttpMethod.Get, "/api/dispatches" + query, null, null, "", false, Changes: false))),
            (4, Query(now).Select(query => new ApiRequest("GET /api/notifications/failed", HttpMethod.Get, "/api/notifications/failed" + query, null, null, "", false, Changes: false))),
            (5, lookAlikes.Select(id => new ApiRequest("POST /api/notifications/{id}/retry", HttpMethod.Post, "/api/notifications/" + Escape(id) + "/retry", null, null, id, false, Changes: false))));
    }

    /// <summary>A job request, plain or as a CloudEvent, from a valid one: its key fresh or like the sentinel's, its times any.</summary>
    internal static Gen<ApiRequest> Create(DateTimeOffset now, string path, bool cloudEvent, bool ascii = false)
    {
        var times = HostileGen.Time(now);
        var keys = Deliveries.Key(Deliveries.SentinelId, Gen.String[Gen.Char.AlphaNumeric, 16, 16].Select(k => "api-" + k));
        var notAfter = Gen.Frequency((7, Gen.Const((TimeText?)null)), (3, times.Select(t => (TimeText?)t)));

        // Where status events would go: only loopback, private or malformed addresses, all refused here, so
        // nothing is ever sent off this machine (no host name either: checking one would ask DNS).
        var callbacks = Gen.Frequency((3, Gen.Const((string?)null)), (1, Gen.OneOf<string?>(
            "https://127.0.0.1:9/hook", "http://127.0.0.1:9/hook", "https://[::1]:9/", "https://10.0.0.1/hook", "https://192.168.0.1/", "http://localhost:9/x",
            "ftp://127.0.0.1/", "javascript:alert(1)", "/relative/hook", "https://user:pass@127.0.0.1/", "https://127.0.0.1:99999/", "")));
        return Gen.Select(times, notAfter, keys, HostileGen.RoomId, Mutation.Rate, Gen.Bool, callbacks).SelectMany(drawn =>
        {
            var (at, until, key, meeting, rate, header, callback) = drawn;

            // A header holds printable ASCII only (HttpClient refuses the rest; the hostile corpus sends the rest byte for byte).
            var keyInHeader = header && !cloudEvent && key.All(c => c is >= ' ' and < '\u007F');
            var fields = new List<KeyValuePair<string, GenJson>>
            {
                new("meetingId", GenJson.Of(meeting)), new("agentId", GenJson.Of("hostile-agent")), new("dispatchAt", GenJson.Of(at.Text)),
                new("metadata", new GenJson.Map([new("topic", GenJson.Of("weekly"))])),
            };
            if (until is not null)
            {
                fields.Add(new("notAfter", GenJson.Of(until.Text)));
            }

            if (!keyInHeader)
            {
                fields.Add(new("idempotencyKey", GenJson.Of(key)));
            }

            if (callback is not null)
            {
                fields.Add(new("callbackUrl", GenJson.Of(callback)));
            }

            GenJson template = new GenJson.Map(fields);
            if (cloudEvent)
            {
                template = new GenJson.Map([new("specversion", GenJson.Of("1.0")), new("id", GenJson.Of(key)), new("source", GenJson.Of("/generated")),
                    new("type", GenJson.Of("agentdispatch.dispatch")), new("data", template)]);
            }

            var original = template.Write(ascii);
            return Mutation.Of(template, rate, name => name is "dispatchAt" or "notAfter" ? times.Select(t => GenJson.Of(t.Text)) : null).Select(tree =>
            {
                var text = tree.Write(ascii);
                var route = cloudEvent ? "POST /api/dispatches (CloudEvent)" : "POST /api/dispatches";
                // A header value loses its surrounding spaces and tabs on the way (RFC 9110 5.5): the key is what is left.
                var sent = keyInHeader ? key.Trim(' ', '\t') : key;
                var valid = text == original && at.Schedulable && until is null && callback is null && sent != Deliveries.SentinelId && HostileGen.IsAcceptableId(sent) && !cloudEvent;
                return new ApiRequest(route, HttpMethod.Post, path, Encoding.UTF8.GetBytes(text), keyInHeader ? key : null, sent, valid, Changes: true);
            });
        });
    }

    /// <summary>The pass-through: it stores nothing, whatever it is sent.</summary>
    private static Gen<ApiRequest> PassThrough()
    {
        var template = new GenJson.Map([new("meetingId", GenJson.Of("pass-thru-0001")), new("agentId", GenJson.Of("hostile-agent"))]);
        return Mutation.Rate.SelectMany(rate => Mutation.Of(template, Math.Max(rate, 15)))
            .Select(tree => new ApiRequest("POST /api/dispatch", HttpMethod.Post, "/api/dispatch", Encoding.UTF8.GetBytes(tree.Write()), null, "", false, Changes: false));
    }

    private static Gen<byte[]> Reschedule(DateTimeOffset now)
    {
        var times = HostileGen.Time(now);
        return Gen.Select(times, times, Gen.Int[0, 3], Mutation.Rate, (at, until, shape, rate) => (at, until, shape, rate)).SelectMany(drawn =>
        {
            var fields = new List<KeyValuePair<string, GenJson>>();
            if (drawn.shape != 1)
            {
                fields.Add(new("dispatchAt", GenJson.Of(drawn.at.Text)));
            }

            if (drawn.shape >= 1)
            {
                fields.Add(new("notAfter", GenJson.Of(drawn.until.Text)));
            }

            return Mutation.Of(new GenJson.Map(fields), drawn.rate).Select(tree => Encoding.UTF8.GetBytes(tree.Write()));
        });
    }

    /// <summary>A query string of the listing's parameters and others, each with any value, some repeated.</summary>
    private static Gen<string> Query(DateTimeOffset now)
    {
        var names = Gen.OneOf("meetingId", "state", "from", "to", "limit", "cursor", "source", "meetingid", "LIMIT", "", "code");
        var values = Gen.Frequency(
            (3, HostileGen.Text),
            (3, HostileGen.Time(now).Select(t => t.Text)),
            (2, Gen.OneOf("0", "1", "50", "100", "101", "-1", "2147483648", "1e3", "scheduled", "SCHEDULED", "joined", "cancelled", "nope")),
            (1, HostileGen.LookAlike(SentinelMeeting)),
            (1, Gen.Const(SentinelMeeting)));
        return Gen.Select(names, values, Gen.Bool, (name, value, raw) => raw && value.All(c => c is > ' ' and < '\u007F') ? name + "=" + value.Replace("&", "", StringComparison.Ordinal).Replace("#", "", StringComparison.Ordinal) : Escape(name) + "=" + Escape(value))
            .Array[0, 5].Select(pairs => pairs.Length == 0 ? "" : "?" + string.Join("&", pairs.Where(p => p.Length < 20_000)));
    }

    /// <summary>Percent-encodes the UTF-8 of <paramref name="text"/> (a lone surrogate becomes U+FFFD, as any client sends it).</summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text.Length > 4000 ? text[..4000] : text))
        {
            escaped.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
                ? ((char)b).ToString()
                : "%" + b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return escaped.ToString();
    }
}
