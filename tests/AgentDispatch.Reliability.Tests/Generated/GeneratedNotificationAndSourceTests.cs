using System.Security.Cryptography;
using System.Text;
using AgentDispatch.Reliability.Tests.Hostile;
using AgentDispatch.Testing.Properties;
using AgentDispatch.VideoSdkEmulator;
using CsCheck;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>
/// Generated deliveries on the routes that are not meeting-scheduling webhooks: VideoSDK's room webhooks
/// (correctly signed), Microsoft Graph's change and lifecycle notifications, and the runtime sources API
/// (calendars, schedules and rules). Every answer is 2xx or 4xx; a refused one changes nothing stored.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class GeneratedNotificationAndSourceTests(StorageFixture storage, ITestOutputHelper output)
{
    private const int CiCases = 600;

    [Fact]
    public async Task SignedVideoSdkWebhooks_AreAnswered2xxOr4xx_AndChangeNoJobTheyDoNotHandle()
    {
        using var key = RSA.Create(2048);
        await using var host = await HostileHost.StartAsync(storage, new EmulatorOptions { WebhookPrivateKeyPem = key.ExportPkcs8PrivateKeyPem() });
        using var probe = new Probe(host, output);
        var now = DateTimeOffset.UtcNow;
        await probe.StoreJobAsync("sentinel", "sent-inel-0001");
        var sentinels = (await probe.LedgerAsync()).Keys.ToList();

        const string Route = "POST /api/webhooks/videosdk";
        var handled = 0;
        var tried = await PropertyRun.CheckAsync(VideoSdkDeliveries(), async body =>
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var before = await probe.LedgerAsync();
            var answer = await probe.SendAsync(Route, HttpMethod.Post, "/api/webhooks/videosdk", bytes, h =>
                h.TryAddWithoutValidation("videosdk-signature", Convert.ToBase64String(key.SignData(bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))));
            Assert.True(answer.Status != 401, $"a correctly signed delivery was refused as unsigned: {answer.Body}");

            // A join or leave for a room with no dispatched job changes nothing; the sentinel is scheduled, not dispatched.
            Probe.CheckUnchanged($"{Route} answered {answer.Status} ({answer.Body})", before, await probe.LedgerAsync(), sentinels);
            handled += answer.Body.Contains("\"handled\"", StringComparison.Ordinal) ? 1 : 0;
        }, PropertyRun.Cases(CiCases), Delivery.Printable);

        probe.Report();
        output.WriteLine($"{Route}: {tried} signed cases from seed {PropertyRun.Seed}; {handled} handled");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
    }

    [Fact]
    public async Task GraphNotifications_AreAnswered2xxOr4xx_AndQueueNothingForAnUnknownSubscription()
    {
        await using var host = await HostileHost.StartAsync(storage);
        using var probe = new Probe(host, output);
        var tried = await PropertyRun.CheckAsync(GraphDeliveries(DateTimeOffset.UtcNow), async delivery =>
        {
            var before = await probe.LedgerAsync();
            var answer = await probe.SendAsync(delivery.Route, HttpMethod.Post, delivery.Path, delivery.Body is null ? null : Encoding.UTF8.GetBytes(delivery.Body));
            if (delivery.ValidationToken is { } token && answer.Status == 200)
            {
                Assert.Equal("text/plain", answer.ContentType);
                Assert.Equal(token, answer.Body);
            }

            Probe.CheckUnchanged($"{delivery.Route} answered {answer.Status} ({answer.Body})", before, await probe.LedgerAsync(), before.Keys);
        }, PropertyRun.Cases(CiCases), d => d.ToString());

        probe.Report();
        output.WriteLine($"Graph notifications: {tried} cases from seed {PropertyRun.Seed}");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
    }

    [Fact]
    public async Task GeneratedSources_AreStoredOnlyWhenValid_AndARefusedWriteChangesNoSource()
    {
        await using var host = await HostileHost.StartAsync(storage);
        using var probe = new Probe(host, output);
        var target = await probe.SendAsync("POST /api/rules (target)", HttpMethod.Post, "/api/rules", "{\"name\":\"target-rule\",\"agentId\":\"hostile-agent\",\"titlePattern\":\"^never$\"}"u8.ToArray(), functionKey: true);
        Assert.True(target.Status == 201, $"the target rule was answered {target.Status}: {target.Body}");

        var created = 0;
        var tried = await PropertyRun.CheckAsync(SourceRequests(), async request =>
        {
            var before = await SourcesAsync(host);
            var answer = await probe.SendAsync(request.Route, request.Method, request.Path, request.Body is null ? null : Encoding.UTF8.GetBytes(request.Body), functionKey: true);
            var after = await SourcesAsync(host);
            if (answer.Status >= 400 || request.Method == HttpMethod.Get)
            {
                Assert.True(before.SequenceEqual(after), $"{request.Route} answered {answer.Status} ({answer.Body}), yet the stored sources changed");
            }
            else if (answer.Status == 201)
            {
                // Made: take it away again, so the next case meets the same sources.
                created++;
                var location = System.Text.Json.Nodes.JsonNode.Parse(answer.Body)!["name"]!.GetValue<string>();
                var removed = await probe.SendAsync(request.Route.Replace("POST", "DELETE", StringComparison.Ordinal) + " (clean-up)", HttpMethod.Delete, request.Path + "/" + Uri.EscapeDataString(location), null, functionKey: true);
                Assert.True(removed.Status == 204, $"the source just made could not be deleted: {removed.Status} {removed.Body}");
            }
        }, PropertyRun.Cases(CiCases), r => r.ToString());

        probe.Report();
        output.WriteLine($"sources API: {tried} cases from seed {PropertyRun.Seed}; {created} sources made (and deleted)");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
    }

    /// <summary>VideoSDK's documented deliveries for the sentinel's room, rooms like it and any other, mutated.</summary>
    private static Gen<string> VideoSdkDeliveries()
    {
        var rooms = Gen.Frequency((2, Gen.Const("sent-inel-0001")), (5, HostileGen.LookAlike("sent-inel-0001")), (3, HostileGen.RoomId));
        var types = Gen.Frequency((4, Gen.OneOf("participant-joined", "participant-left", "session-ended", "session-started", "recording-started")), (1, HostileGen.Text));
        return Gen.Select(types, rooms, HostileGen.Text, Mutation.Rate, (type, room, name, rate) => (type, room, name, rate)).SelectMany(d =>
        {
            var template = new GenJson.Map([
                new("webhookType", GenJson.Of(d.type)),
                new("data", new GenJson.Map([new("meetingId", GenJson.Of(d.room)), new("sessionId", GenJson.Of("ses_1")), new("participantId", GenJson.Of("agt_1")),
                    new("participantName", GenJson.Of(d.name)), new("timestamp", GenJson.Of("2026-12-03T10:00:00Z"))])),
            ]);
            return Mutation.Of(template, Math.Max(d.rate, 3), name => name == "timestamp" ? HostileGen.Time(DateTimeOffset.UtcNow).Select(t => GenJson.Of(t.Text)) : null);
        }).Select(tree => tree.Write());
    }

    /// <summary>A Graph delivery: a validation call with any token, or change or lifecycle notifications from subscriptions the app does not have.</summary>
    private static Gen<GraphDelivery> GraphDeliveries(DateTimeOffset now)
    {
        var subscription = Gen.Frequency((3, Gen.Guid.Select(g => g.ToString())), (1, HostileGen.Text));
        var item = Gen.Select(subscription, HostileGen.Text, Gen.OneOf("created", "updated", "deleted", "", "CREATED"), Gen.OneOf("subscriptionRemoved", "missed", "reauthorizationRequired", "other"),
            (id, state, change, lifecycle) => (GenJson)new GenJson.Map([
                new("subscriptionId", GenJson.Of(id)), new("clientState", GenJson.Of(state)), new("changeType", GenJson.Of(change)), new("lifecycleEvent", GenJson.Of(lifecycle)),
                new("resource", GenJson.Of($"Users/{Guid.Empty}/Events/AAMk=")), new("subscriptionExpirationDateTime", GenJson.Of("2026-12-05T10:00:00Z")),
                new("tenantId", GenJson.Of(Guid.Empty.ToString())), new("resourceData", new GenJson.Map([new("id", GenJson.Of("AAMk="))])),
            ]));
        var notification = Gen.Select(item.Array[0, 4], Mutation.Rate, Gen.Bool, (items, rate, lifecycle) => (items, rate, lifecycle)).SelectMany(d =>
            Mutation.Of(new GenJson.Map([new("value", new GenJson.List(d.items))]), d.rate, name => name == "subscriptionExpirationDateTime" ? HostileGen.Time(now).Select(t => GenJson.Of(t.Text)) : null)
                .Select(tree => new GraphDelivery(d.lifecycle ? "/api/webhooks/microsoft365/lifecycle" : "/api/webhooks/microsoft365", tree.Write(), null)));
        var validation = Gen.Select(HostileGen.Text.Where(t => t.Length < 2_000), Gen.Bool, (token, lifecycle) =>
            new GraphDelivery((lifecycle ? "/api/webhooks/microsoft365/lifecycle" : "/api/webhooks/microsoft365") + "?validationToken=" + Uri.EscapeDataString(ValidUtf16(token)), null, ValidUtf16(token)));
        return Gen.Frequency((4, notification), (1, validation));
    }

    /// <summary>One generated Graph delivery; <paramref name="ValidationToken"/> is the token a validation call must get back.</summary>
    public sealed record GraphDelivery(string Path, string? Body, string? ValidationToken)
    {
        public string Route => "POST " + (Path.Contains("/lifecycle", StringComparison.Ordinal) ? "/api/webhooks/microsoft365/lifecycle" : "/api/webhooks/microsoft365") + (ValidationToken is null ? "" : " ?validationToken=");

        public override string ToString() => $"POST {Delivery.Printable(Path.Length > 300 ? Path[..300] : Path)} {Delivery.Printable(Body is null ? "" : Body.Length > 1500 ? Body[..1500] : Body)}";
    }

    /// <summary>One generated sources request.</summary>
    public sealed record SourceRequest(string Route, HttpMethod Method, string Path, string? Body)
    {
        public override string ToString() => $"{Method} {Delivery.Printable(Path)} {Delivery.Printable(Body is null ? "" : Body.Length > 1500 ? Body[..1500] : Body)}";
    }

    /// <summary>Creations of calendars, schedules and rules from valid ones, mutated; merge patches of the target rule; reads and deletes of names like it.</summary>
    private static Gen<SourceRequest> SourceRequests()
    {
        var names = Gen.Frequency((5, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"], 1, 20].Select(n => "gen-" + n)), (3, HostileGen.LookAlike("target-rule")), (2, HostileGen.Text));
        var spans = Gen.Frequency((3, Gen.OneOf("00:00:00", "00:05:00", "1.00:00:00", "1.00:00:01", "-00:01:00", "10675199.02:48:05.4775807", "-10675199.02:48:05.4775808", "24:00:00", "P1D")), (1, HostileGen.Text));
        var templates = Gen.Select(names, spans, HostileGen.RoomId, (name, span, room) => new[]
        {
            ("POST /api/calendars", "/api/calendars", (GenJson)new GenJson.Map([new("name", GenJson.Of(name)), new("urlSecretName", GenJson.Of("feed-url"))])),
            ("POST /api/calendars", "/api/calendars", new GenJson.Map([new("name", GenJson.Of(name)), new("source", GenJson.Of("microsoft365")), new("mailbox", GenJson.Of("room@contoso.example")), new("agentId", GenJson.Of("hostile-agent"))])),
            ("POST /api/schedules", "/api/schedules", new GenJson.Map([new("name", GenJson.Of(name)), new("cron", GenJson.Of("0 9 * * 1")), new("timeZone", GenJson.Of("Europe/Berlin")),
                new("meetingId", GenJson.Of(room)), new("agentId", GenJson.Of("hostile-agent")), new("window", GenJson.Of(span))])),
            ("POST /api/rules", "/api/rules", new GenJson.Map([new("name", GenJson.Of(name)), new("agentId", GenJson.Of("hostile-agent")), new("titlePattern", GenJson.Of("^(a+)+$")),
                new("leadTime", GenJson.Of(span)), new("notAfter", GenJson.Of(span)), new("variables", new GenJson.Map([new("topic", GenJson.Of("{meeting.title}"))]))])),
        });
        var creations = Gen.Select(templates, Gen.Int[0, 3], Mutation.Rate, (all, which, rate) => (all[which], rate))
            .SelectMany(d => Mutation.Of(d.Item1.Item3, d.rate, name => name is "cron" ? Gen.OneOf("* * * * *", "0 0 29 2 *", "59 23 31 12 *", "0 0 * * * *", "61 * * * *", "", "@yearly").Select(GenJson.Of) : null)
                .Select(tree => new SourceRequest(d.Item1.Item1, HttpMethod.Post, d.Item1.Item2, tree.Write())));
        var patches = Gen.Select(HostileGen.Json(2), Gen.OneOf("agentId", "titlePattern", "leadTime", "notAfter", "name", "variables", "unknown"), (value, field) =>
            new SourceRequest("PATCH /api/rules/{name}", HttpMethod.Patch, "/api/rules/target-rule", new GenJson.Map([new(field, value)]).Write()));
        var others = Gen.Select(names, Gen.OneOf("calendars", "schedules", "rules"), Gen.Bool, (name, kind, delete) => new SourceRequest(
            $"{(delete ? "DELETE" : "GET")} /api/{kind}/{{name}}", delete ? HttpMethod.Delete : HttpMethod.Get, $"/api/{kind}/{Uri.EscapeDataString(ValidUtf16(name))}", null))
            // Names are compared ignoring case (documented), so TARGET-RULE is the target itself: it is only patched.
            .Where(r => !r.Path.EndsWith("/target-rule", StringComparison.OrdinalIgnoreCase) && !r.Path.EndsWith('/'));
        return Gen.Frequency((6, creations), (2, patches), (2, others));
    }

    /// <summary>Every stored calendar, schedule and rule with its version, in key order.</summary>
    private static async Task<List<string>> SourcesAsync(HostileHost host)
        => [.. (await host.SourceRowsAsync()).Select(r => $"{r.PartitionKey}/{r.RowKey}/{r.ETag}").Order(StringComparer.Ordinal)];

    /// <summary>The text with each unpaired surrogate replaced by U+FFFD: what any client can put in a URL.</summary>
    private static string ValidUtf16(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
