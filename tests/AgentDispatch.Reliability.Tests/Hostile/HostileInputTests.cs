using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;
using Azure.Storage.Queues;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Hostile;

/// <summary>
/// The hostile-input corpus (Hostile/Corpus/*.json) against one dev host with canary secrets: every bad
/// request gets a 4xx with a problem body (or its queue message goes to the poison queue with a
/// reason), nothing is stored or dispatched, the host stays healthy, and no log event, answer or
/// poison envelope of the whole run holds a secret or a signature that was sent.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class HostileInputTests(StorageFixture storage, ITestOutputHelper output)
{
    private const string ProblemTypePrefix = "urn:agentdispatch:problem:";
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PoisonTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] HttpRoutes =
    [
        "POST /api/dispatch", "POST /api/dispatches", "GET /api/dispatches", "GET /api/dispatches/{id}", "DELETE /api/dispatches/{id}",
        "PATCH /api/dispatches/{id}", "GET /api/health", "POST /api/webhooks/calendly", "POST /api/webhooks/calcom", "POST /api/webhooks/standard",
        "POST /api/webhooks/videosdk", "POST /api/webhooks/microsoft365", "POST /api/webhooks/microsoft365/lifecycle",
        "POST /api/calendars", "GET /api/calendars", "GET /api/calendars/{name}", "PATCH /api/calendars/{name}", "DELETE /api/calendars/{name}",
        "POST /api/schedules", "GET /api/schedules", "GET /api/schedules/{name}", "PATCH /api/schedules/{name}", "DELETE /api/schedules/{name}",
        "POST /api/rules", "GET /api/rules", "GET /api/rules/{name}", "PATCH /api/rules/{name}", "DELETE /api/rules/{name}",
    ];

    private static readonly string[] QueueRoutes = ["queue DISPATCH_REQUESTS_QUEUE", "queue DISPATCH_WAKE_QUEUE"];

    /// <summary>
    /// Leaks this suite found that are not fixed yet: a log event of that category holding that secret
    /// is reported, not failed. Each must still be seen (so a fix is noticed and the entry removed).
    /// </summary>
    private static readonly (string Category, string Secret, string Why)[] KnownLeaks =
    [
        ("Microsoft.AspNetCore.Hosting.Diagnostics", "DevHost:FunctionKey",
            "ASP.NET Core's request log (Information) writes the URL with its query string, so a function key sent as ?code= is logged by the dev host; "
            + "its defaults keep Microsoft.AspNetCore at Warning, so this shows only when that level is lowered."),
    ];

    [Fact]
    public void Corpus_HasAtLeast200Cases_OnEveryRouteAndQueue_InEveryCategory()
    {
        var cases = HostileCorpus.Load();

        Assert.True(cases.Count >= 200, $"the corpus has {cases.Count} cases; at least 200 are wanted");
        Assert.Empty(cases.GroupBy(c => (c.File, c.Name)).Where(g => g.Count() > 1).Select(g => $"{g.Key.File}: {g.Key.Name}"));
        Assert.Empty(HttpRoutes.Concat(QueueRoutes).Except(cases.Select(c => c.Route)));
        Assert.Empty(cases.Select(c => c.Route).Except(HttpRoutes.Concat(QueueRoutes)));
        Assert.Empty(HostileCorpus.Categories.Except(cases.Select(c => c.Category)));
    }

    [Fact]
    public async Task Corpus_EveryCaseIsRefused_NothingStoredOrDispatched_HostStaysHealthy_NoSecretLeaks()
    {
        var clock = Stopwatch.StartNew();
        var cases = HostileCorpus.Load();
        var run = new Run();
        await using var host = await HostileHost.StartAsync(storage);
        var startup = clock.Elapsed;
        var requests = new HostileRequests(host.Port, DateTimeOffset.UtcNow);

        foreach (var c in cases.Where(c => !c.IsQueue))
        {
            host.Logs.During = c.ToString();
            run.Results.Add(await SendHttpAsync(host, requests, c, run));
        }

        var httpDone = clock.Elapsed;
        await SendQueueAsync(host, requests, [.. cases.Where(c => c.IsQueue)], run);
        var queueDone = clock.Elapsed;

        host.Logs.During = "checks after the corpus";
        await CheckNothingStoredAsync(host, run, cases);
        await CheckHealthyAsync(host, run);

        // The controls prove the canaries are live: the same host takes signed deliveries and keyed
        // requests, and sends the canary token upstream. So the refusals above were the checks at work.
        host.Logs.During = "positive controls";
        await RunControlsAsync(host, run);

        host.Logs.During = "host stopping";
        await host.StopAsync();
        ScanLogs(host.Logs, run);
        AttributeExceptions(host.Logs, run);

        Report(cases, run, host.Logs, [("start-up", startup), ("HTTP cases", httpDone - startup), ("queue cases", queueDone - httpDone), ("checks, controls, stop", clock.Elapsed - queueDone), ("total", clock.Elapsed)]);

        var failures = run.Results.Where(r => r.Case.KnownFailure is null && r.Failures.Count > 0).Select(r => $"{r.Case} [{r.Case.Route}]: {string.Join("; ", r.Failures)}")
            .Concat(run.Results.Where(r => r.Case.KnownFailure is not null && r.Failures.Count == 0).Select(r => $"{r.Case}: marked as a known failure but passes now; remove \"knownFailure\""))
            .Concat(run.Global)
            .ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} problem(s):\n" + string.Join("\n", failures));
    }

    private static async Task<CaseResult> SendHttpAsync(HostileHost host, HostileRequests requests, HostileCase c, Run run)
    {
        var built = requests.BuildHttp(c);
        run.SentSignatures.AddRange(built.Signatures.Select(s => (c.ToString(), s)));
        RawResponse response;
        try
        {
            response = await RawHttp.SendAsync(host.Port, built.Bytes, built.IsHead, AnswerTimeout);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return new CaseResult(c, "no answer", [$"no answer: {ex.Message}"], c.ToString());
        }

        var failures = new List<string>();
        var expected = c.Number32("status")!.Value;
        if (response.Status != expected)
        {
            failures.Add($"answered {response.Status}, expected {expected}{Preview(response)} (sent: {built.Head.Split("\r\n")[0]})");
        }

        if (c.Text("by") != "server" && response.Status is >= 400 and < 500)
        {
            CheckProblem(response, c.Text("errorField"), failures);
        }

        if (response.Headers.Any(h => h.Key.Equals("X-Injected", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add("a header injected into the request came back in the answer");
        }

        foreach (var (name, value) in Needles(built.Signatures))
        {
            if (response.AllText.Contains(value, StringComparison.Ordinal))
            {
                failures.Add($"the answer contains {name}");
            }
        }

        return new CaseResult(c, response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), failures, c.ToString());
    }

    private static string Preview(RawResponse response)
    {
        var body = response.BodyText;
        return body.Length == 0 ? " (no body)" : $": {(body.Length > 300 ? body[..300] + "…" : body)}";
    }

    /// <summary>An <c>application/problem+json</c> body with <c>type</c>, <c>title</c> and the answer's <c>status</c>.</summary>
    private static void CheckProblem(RawResponse response, string? errorField, List<string> failures)
    {
        if (response.Header("Content-Type") is not { } contentType || !contentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Content-Type is '{response.Header("Content-Type") ?? "(none)"}', not application/problem+json{Preview(response)}");
            return;
        }

        JsonObject problem;
        try
        {
            problem = JsonNode.Parse(response.Body)!.AsObject();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            failures.Add($"the problem body is not a JSON object{Preview(response)}");
            return;
        }

        if (problem["status"] is not JsonValue status || status.GetValueKind() != JsonValueKind.Number || status.GetValue<int>() != response.Status)
        {
            failures.Add($"the problem's status is {problem["status"]?.ToJsonString() ?? "missing"}, the answer's {response.Status}");
        }

        if (problem["title"] is not JsonValue title || title.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(title.GetValue<string>()))
        {
            failures.Add("the problem has no title");
        }

        if (problem["type"]?.GetValue<string>() is not { } type || !type.StartsWith(ProblemTypePrefix, StringComparison.Ordinal))
        {
            failures.Add($"the problem's type is {problem["type"]?.ToJsonString() ?? "missing"}, not {ProblemTypePrefix}...");
        }

        if (errorField is not null && problem["errors"]?[errorField] is null)
        {
            failures.Add($"the problem names no error for '{errorField}'{Preview(response)}");
        }
    }

    /// <summary>
    /// Sends every queue case, then reads both poison queues until each case that must be poisoned is
    /// there (by message id), and waits for the rest to be consumed.
    /// </summary>
    private static async Task SendQueueAsync(HostileHost host, HostileRequests requests, IReadOnlyList<HostileCase> cases, Run run)
    {
        var queues = new Dictionary<string, QueueClient> { ["requests"] = host.RequestsQueue, ["wake"] = host.WakeQueue };
        var sent = new Dictionary<string, (HostileCase Case, string Text)>(StringComparer.Ordinal);
        foreach (var queue in queues.Values)
        {
            await queue.CreateIfNotExistsAsync();
        }

        foreach (var c in cases)
        {
            var text = requests.BuildMessage(c);
            var receipt = await queues[c.Text("queue")!].SendMessageAsync(text);
            sent[receipt.Value.MessageId] = (c, text);
        }

        host.Logs.During = "queue cases (all sent)";
        var poisoned = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var mustArrive = sent.Where(s => s.Value.Case.Text("expect") == "poison" && s.Value.Case.KnownFailure is null).Select(s => s.Key).ToHashSet();
        var deadline = DateTime.UtcNow + PoisonTimeout;
        DateTime? allArrived = null;
        while (DateTime.UtcNow < deadline && (allArrived is null || DateTime.UtcNow < allArrived + TimeSpan.FromSeconds(2)))
        {
            foreach (var queue in queues.Values)
            {
                await ReadPoisonAsync(host.PoisonOf(queue), poisoned, run);
            }

            if (allArrived is null && mustArrive.IsSubsetOf(poisoned.Keys))
            {
                // Known failures get a little longer: if one is fixed, it shows up now.
                allArrived = DateTime.UtcNow;
            }

            await Task.Delay(250);
        }

        // Whatever was not poisoned must have been consumed, except messages a known failure keeps retrying.
        var retrying = sent.Values.Count(s => s.Case.KnownFailure is not null && !poisoned.Values.Any(p => (string?)p["originalMessage"] == s.Text));
        var drainDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        int left;
        while ((left = await HostileHost.CountAsync(host.RequestsQueue) + await HostileHost.CountAsync(host.WakeQueue)) > retrying && DateTime.UtcNow < drainDeadline)
        {
            await Task.Delay(250);
        }

        foreach (var (messageId, (c, text)) in sent)
        {
            var failures = new List<string>();
            var found = poisoned.GetValueOrDefault(messageId);
            var outcome = found is not null ? "poison"
                : c.KnownFailure is not null ? "not poisoned (retried)"
                : left <= retrying ? "consumed" : "still queued";
            if (c.Text("expect") == "poison")
            {
                if (found is null)
                {
                    failures.Add($"not in {queues[c.Text("queue")!].Name}-poison within {PoisonTimeout.TotalSeconds:F0} s");
                }
                else
                {
                    CheckEnvelope(found, queues[c.Text("queue")!].Name, text, c.Text("errorField"), failures);
                }
            }
            else if (found is not null)
            {
                failures.Add($"poisoned ({found["reason"]}), but should simply be consumed");
            }
            else if (left > retrying)
            {
                failures.Add($"{left} message(s) still queued after the corpus: this one may not have been consumed");
            }

            foreach (var (name, value) in Needles([]))
            {
                if (found?.ToJsonString().Contains(value, StringComparison.Ordinal) == true)
                {
                    failures.Add($"the poison envelope contains {name}");
                }
            }

            run.Results.Add(new CaseResult(c, outcome, failures, messageId));
        }
    }

    private static async Task ReadPoisonAsync(QueueClient poison, Dictionary<string, JsonObject> poisoned, Run run)
    {
        if (!(await poison.ExistsAsync()).Value)
        {
            return;
        }

        foreach (var message in (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
        {
            await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            JsonObject? envelope = null;
            try
            {
                envelope = JsonNode.Parse(message.Body.ToString()) as JsonObject;
            }
            catch (JsonException)
            {
            }

            if (envelope?["messageId"]?.GetValue<string>() is { } id)
            {
                poisoned[id] = envelope;
            }
            else
            {
                // The host's own poison copy (the raw text, after maxDequeueCount failures): the app threw instead of poisoning at once.
                run.RawPoison.Add(message.Body.ToString());
            }
        }
    }

    /// <summary>The app's envelope: the reason, the queue, the first delivery, and the original text untouched.</summary>
    private static void CheckEnvelope(JsonObject envelope, string queue, string text, string? errorField, List<string> failures)
    {
        if (envelope["reason"]?.GetValue<string>() is not { Length: > 0 })
        {
            failures.Add("the poison envelope has no reason");
        }

        if ((string?)envelope["queue"] != queue)
        {
            failures.Add($"the poison envelope names queue {envelope["queue"]}, not {queue}");
        }

        if (envelope["dequeueCount"]?.GetValue<long>() != 1)
        {
            failures.Add($"poisoned after {envelope["dequeueCount"]} deliveries, not at once");
        }

        var original = (string?)envelope["originalMessage"];
        if (original != text && !(original?.Contains("[cut:", StringComparison.Ordinal) == true && text.StartsWith(original[..original.IndexOf("... [cut:", StringComparison.Ordinal)], StringComparison.Ordinal)))
        {
            failures.Add("the poison envelope does not hold the original message");
        }

        if (errorField is not null && envelope["errors"]?[errorField] is null)
        {
            failures.Add($"the poison envelope names no error for '{errorField}': {envelope["errors"]?.ToJsonString()}");
        }
    }

    private static async Task CheckNothingStoredAsync(HostileHost host, Run run, IReadOnlyList<HostileCase> cases)
    {
        var rows = await host.LedgerRowsAsync();
        if (rows.Count > 0)
        {
            run.Global.Add($"the ledger holds {rows.Count} row(s) after the corpus: "
                           + string.Join(", ", rows.Select(r => $"{r.PartitionKey}/{r.RowKey} meeting={r.GetString("MeetingId")} source={r.GetString("Source")}")));
        }

        if (await host.SourceRowsAsync() is { Count: > 0 } sources)
        {
            run.Global.Add($"the sources table holds {sources.Count} source(s) after the corpus: {string.Join(", ", sources.Select(r => $"{r.PartitionKey}/{r.RowKey}"))}");
        }

        if (host.Emulator.State.Dispatches is { Count: > 0 } dispatches)
        {
            run.Global.Add($"VideoSDK received {dispatches.Count} dispatch(es) during the corpus: meetings {string.Join(", ", dispatches.Select(d => d.MeetingId))}");
        }

        // Over HTTP too: the API's own listing of the ledger.
        var list = await SendAsync(host, $"GET /api/dispatches HTTP/1.1\r\nHost: 127.0.0.1\r\nx-functions-key: {Canaries.FunctionKey}\r\n\r\n");
        if (list.Status != 200 || JsonNode.Parse(list.Body)?["items"]?.AsArray().Count != 0)
        {
            run.Global.Add($"GET /api/dispatches after the corpus: {list.Status} {list.BodyText}");
        }

        // A stored scheduled job would have queued a wake-up; a known failure may still be retrying its message.
        var retrying = cases.Count(c => c.IsQueue && c.KnownFailure is not null);
        if (await HostileHost.CountAsync(host.WakeQueue) + await HostileHost.CountAsync(host.RequestsQueue) > retrying)
        {
            run.Global.Add($"messages are left in the request or wake queue: {await HostileHost.CountAsync(host.RequestsQueue)} and {await HostileHost.CountAsync(host.WakeQueue)}");
        }

        if (run.RawPoison.Count > 0)
        {
            run.Global.Add($"{run.RawPoison.Count} message(s) reached a poison queue only after failing every delivery (the app threw): {string.Join(" | ", run.RawPoison.Select(m => m.Length > 100 ? m[..100] : m))}");
        }
    }

    private static async Task CheckHealthyAsync(HostileHost host, Run run)
    {
        var health = await SendAsync(host, "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        if (health.Status != 200 || !health.BodyText.Contains("\"status\":\"ok\"", StringComparison.Ordinal))
        {
            run.Global.Add($"GET /api/health after the corpus: {health.Status} {health.BodyText}");
        }

        if (host.Stopping)
        {
            run.Global.Add("the dev host is stopping after the corpus");
        }
    }

    /// <summary>Valid requests on every path the corpus attacked: each must succeed, with the canary secrets as the keys.</summary>
    private static async Task RunControlsAsync(HostileHost host, Run run)
    {
        var now = DateTimeOffset.UtcNow;
        void Expect(string what, int status, RawResponse response)
        {
            if (response.Status != status)
            {
                run.Global.Add($"control {what}: answered {response.Status}, expected {status}: {response.BodyText}");
            }
        }

        var dispatch = "{\"meetingId\":\"ctrl-mtg-0001\",\"agentId\":\"hostile-agent\"}"u8.ToArray();
        Expect("POST /api/dispatch", 200, await SendAsync(host, Post("/api/dispatch", dispatch, $"x-functions-key: {Canaries.FunctionKey}")));
        if (host.Emulator.State.Dispatches is not [{ } upstream] || upstream.Authorization != Canaries.Token)
        {
            run.Global.Add("control POST /api/dispatch: VideoSDK did not receive exactly one dispatch with the canary token");
        }

        var calendly = WebhookPayloads.CalendlyCreated("ctrl-calendly", now.AddDays(1), now);
        Expect("Calendly webhook", 202, await SendAsync(host, Post("/api/webhooks/calendly", calendly, $"{CalendlySignature.Header}: {CalendlySignature.Sign(calendly, Canaries.Calendly, now)}")));
        var calCom = WebhookPayloads.CalCom("BOOKING_CREATED", "ctrl-calcom", now.AddDays(1), now);
        Expect("Cal.com webhook", 202, await SendAsync(host, Post("/api/webhooks/calcom", calCom, $"{CalComSignature.Header}: {CalComSignature.Sign(calCom, Canaries.CalCom)}")));
        var standard = WebhookPayloads.Standard("meeting.scheduled", "ctrl-standard", now.AddDays(1));
        Expect("Standard webhook", 202, await SendAsync(host, Post("/api/webhooks/standard", standard,
            $"webhook-id: msg_ctrl\r\nwebhook-timestamp: {now.ToUnixTimeSeconds()}\r\nwebhook-signature: {StandardWebhookSignature.Sign("msg_ctrl", now, standard, Canaries.Standard)}")));
        run.SentSignatures.Add(("controls", CalendlySignature.Sign(calendly, Canaries.Calendly, now).Split("v1=")[1]));
        run.SentSignatures.Add(("controls", CalComSignature.Sign(calCom, Canaries.CalCom)));
        run.SentSignatures.Add(("controls", StandardWebhookSignature.Sign("msg_ctrl", now, standard, Canaries.Standard)["v1,".Length..]));

        // The queue runner still works after every hostile message.
        await host.RequestsQueue.SendMessageAsync("{\"meetingId\":\"ctrl-mtg-0002\",\"agentId\":\"hostile-agent\"}");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (host.Emulator.State.Dispatches.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        if (host.Emulator.State.Dispatches.Count != 2)
        {
            run.Global.Add($"control queue message: VideoSDK has {host.Emulator.State.Dispatches.Count} dispatch(es), expected 2");
        }

        var jobs = (await host.LedgerRowsAsync()).Count(r => AgentDispatch.Jobs.DispatchJobEntity.IsJobRow(r.RowKey));
        if (jobs != 4)
        {
            run.Global.Add($"controls: the ledger holds {jobs} job(s), expected 4 (three webhooks and the queue message)");
        }
    }

    private static byte[] Post(string path, byte[] body, string headers)
        => [.. Encoding.UTF8.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];

    private static Task<RawResponse> SendAsync(HostileHost host, string request) => SendAsync(host, Encoding.UTF8.GetBytes(request));

    private static Task<RawResponse> SendAsync(HostileHost host, byte[] request) => RawHttp.SendAsync(host.Port, request, headRequest: false, AnswerTimeout);

    /// <summary>Finds the exception behind each answer of 500 and up, and behind each queue message the app threw on instead of poisoning it.</summary>
    private static void AttributeExceptions(LogCapture logs, Run run)
    {
        var failures = logs.Events.Where(e => e.Text.Contains(" | exception: ", StringComparison.Ordinal)).ToList();
        foreach (var result in run.Results.Where(r => r.Outcome.StartsWith('5') || (r.Case.IsQueue && r.Outcome != "poison" && r.Outcome != "consumed")))
        {
            var logged = failures.FirstOrDefault(e => e.During == result.Key || e.Text.Contains(result.Key, StringComparison.Ordinal));
            if (logged is not null)
            {
                var exception = logged.Text[(logged.Text.IndexOf(" | exception: ", StringComparison.Ordinal) + " | exception: ".Length)..];
                var lines = exception.Split('\n', StringSplitOptions.TrimEntries);
                var origin = lines.FirstOrDefault(l => l.StartsWith("at AgentDispatch.", StringComparison.Ordinal)) ?? lines.FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal));
                result.Exception = $"{lines[0]} {origin}";
            }
        }
    }

    /// <summary>Every log event of the run, from start-up to shutdown, against every canary form and every signature sent.</summary>
    private static void ScanLogs(LogCapture logs, Run run)
    {
        var needles = Needles(run.SentSignatures.Select(s => s.Signature)).ToList();
        foreach (var entry in logs.Events)
        {
            foreach (var (name, value) in needles)
            {
                if (!entry.Text.Contains(value, StringComparison.Ordinal))
                {
                    continue;
                }

                if (KnownLeaks.FirstOrDefault(k => entry.Category.StartsWith(k.Category, StringComparison.Ordinal) && k.Secret == name) is { Why: not null } known)
                {
                    run.LeaksSeen.Add(known.Category);
                }
                else
                {
                    run.Global.Add($"a log event ({entry.Level} {entry.Category}[{entry.EventId}], while sending {entry.During ?? "-"}) contains {name}: "
                                   + (entry.Text.Length > 300 ? entry.Text[..300] + "…" : entry.Text));
                }
            }
        }

        foreach (var leak in KnownLeaks.Where(k => !run.LeaksSeen.Contains(k.Category)))
        {
            run.Global.Add($"the known leak of {leak.Secret} in {leak.Category} log events was not seen: if it is fixed, remove it from KnownLeaks");
        }
    }

    private void Report(IReadOnlyList<HostileCase> cases, Run run, LogCapture logs, IEnumerable<(string Phase, TimeSpan Took)> phases)
    {
        void Table(string title, IEnumerable<IGrouping<string, CaseResult>> groups)
        {
            output.WriteLine(title);
            foreach (var group in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var outcomes = string.Join(", ", group.GroupBy(r => r.Outcome).OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}: {o.Count()}"));
                output.WriteLine($"  {group.Key,-34} {group.Count(),4}   ({outcomes})");
            }
        }

        output.WriteLine($"Hostile corpus: {cases.Count} cases ({cases.Count(c => !c.IsQueue)} HTTP, {cases.Count(c => c.IsQueue)} queue messages) from {cases.Select(c => c.File).Distinct().Count()} files.");
        Table("By route:", run.Results.GroupBy(r => r.Case.Route));
        Table("By category:", run.Results.GroupBy(r => r.Case.Category));
        output.WriteLine("By outcome (HTTP status, or what became of a queue message):");
        foreach (var group in run.Results.GroupBy(r => r.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {group.Key,-34} {group.Count(),4}");
        }

        output.WriteLine($"Answers from Kestrel or routing (no problem body expected): {run.Results.Count(r => r.Case.Text("by") == "server")}");
        output.WriteLine($"Log events scanned: {logs.Events.Count} (at Trace level); secrets looked for: {Canaries.Forms().Count} canary forms and {run.SentSignatures.Select(s => s.Signature).Distinct().Count()} signatures sent.");
        var known = run.Results.Where(r => r.Case.KnownFailure is not null).ToList();
        output.WriteLine($"Known failures: {known.Count}");
        foreach (var result in known)
        {
            output.WriteLine($"  {result.Case} [{result.Case.Route}] -> {result.Outcome}{(result.Exception is null ? "" : $" ({result.Exception})")}: {result.Case.KnownFailure}");
        }

        output.WriteLine($"Known leaks in log events: {run.LeaksSeen.Count}");
        foreach (var leak in KnownLeaks.Where(k => run.LeaksSeen.Contains(k.Category)))
        {
            output.WriteLine($"  {leak.Secret} in {leak.Category}*: {leak.Why}");
        }

        var failed = run.Results.Where(r => r.Case.KnownFailure is null && r.Failures.Count > 0).ToList();
        output.WriteLine($"Failed cases: {failed.Count}");
        foreach (var result in failed)
        {
            output.WriteLine($"  {result.Case} [{result.Case.Route}]: {string.Join("; ", result.Failures)}{(result.Exception is null ? "" : $" [logged: {result.Exception}]")}");
        }

        output.WriteLine($"Checks after the corpus and controls: {(run.Global.Count == 0 ? "all passed" : string.Join("\n  ", run.Global.Prepend($"{run.Global.Count} problem(s):")))}");
        output.WriteLine("Time: " + string.Join(", ", phases.Select(p => $"{p.Phase} {p.Took.TotalSeconds:F1} s")));
    }

    /// <summary>The canaries, and the signatures sent (long enough to be unmistakable).</summary>
    private static IEnumerable<(string Name, string Value)> Needles(IEnumerable<string> signatures)
        => Canaries.Forms().Concat(signatures.Where(s => s.Length >= 20).Distinct().Select(s => ("a signature that was sent", s)));

    /// <param name="Key">What ties the app's log events to this case: the case itself, or its queue message id.</param>
    private sealed record CaseResult(HostileCase Case, string Outcome, List<string> Failures, string Key)
    {
        /// <summary>For a 5xx or a message the app threw on: the exception it logged, and where it came from.</summary>
        public string? Exception { get; set; }
    }

    private sealed class Run
    {
        public List<CaseResult> Results { get; } = [];

        /// <summary>Problems not tied to one case: storage, dispatches, health, controls, logs.</summary>
        public List<string> Global { get; } = [];

        public List<(string Case, string Signature)> SentSignatures { get; } = [];

        public List<string> RawPoison { get; } = [];

        public HashSet<string> LeaksSeen { get; } = [];
    }
}
