using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.DevHost.Functions;
using AgentDispatch.Functions;
using AgentDispatch.Testing;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.DevHost.Tests;

[Collection(StorageCollection.Name)]
public sealed class HttpRoutingTests(StorageFixture storage)
{
    [Fact]
    public void Discover_MatchesWhatTheFunctionsHostReadsFromFunctionsMetadata()
    {
        var fromMetadata = RepositoryFiles.FunctionsMetadata(typeof(HttpRoutingTests).Assembly)
            .Select(f => (Name: (string)f!["name"]!, Trigger: f["bindings"]!.AsArray().FirstOrDefault(b => (string)b!["type"]! == "httpTrigger")))
            .Where(f => f.Trigger is not null)
            .Select(f => $"{f.Name} {string.Join(",", f.Trigger!["methods"]!.AsArray().Select(m => ((string)m!).ToUpperInvariant()))} /api/{(string)f.Trigger["route"]!} {(string)f.Trigger["authLevel"]!}")
            .Order();

        var served = HttpFunctionEndpoints.Discover(typeof(AgentDispatchApp).Assembly, "api")
            .Select(r => $"{r.Name} {string.Join(",", r.Methods)} {r.Route} {r.AuthLevel}")
            .Order();

        Assert.Equal(fromMetadata, served);
    }

    [Fact]
    public void QueueAndTimerDiscovery_MatchesWhatTheFunctionsHostReadsFromFunctionsMetadata()
    {
        var triggers = RepositoryFiles.FunctionsMetadata(typeof(HttpRoutingTests).Assembly)
            .Select(f => (Name: (string)f!["name"]!, Trigger: f["bindings"]!.AsArray().FirstOrDefault(b => (string)b!["type"]! is "queueTrigger" or "timerTrigger")!))
            .Where(f => f.Trigger is not null)
            .ToList();
        // Every %SETTING% the metadata names gets a value: queue names for queues, a schedule for timers.
        var settings = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" };
        foreach (var (_, trigger) in triggers)
        {
            var isQueue = (string)trigger["type"]! == "queueTrigger";
            foreach (Match setting in Regex.Matches((string)trigger[isQueue ? "queueName" : "schedule"]!, "%([^%]+)%"))
            {
                settings[setting.Groups[1].Value] = isQueue ? "q-" + setting.Groups[1].Value.ToLowerInvariant().Replace('_', '-') : "0 */5 * * * *";
            }

            if (isQueue && (string?)trigger["connection"] is { Length: > 0 } connection)
            {
                settings.TryAdd(connection, "UseDevelopmentStorage=true");
            }
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        string Resolve(string name, JsonNode trigger, string property) => BindingExpressions.Resolve(name, (string)trigger[property]!, configuration);
        var fromMetadata = triggers
            .Select(f => (string)f.Trigger["type"]! == "queueTrigger"
                ? $"{f.Name} queue {Resolve(f.Name, f.Trigger, "queueName").ToLowerInvariant()} {(string?)f.Trigger["connection"] ?? "AzureWebJobsStorage"}"
                : $"{f.Name} timer {Resolve(f.Name, f.Trigger, "schedule")} runOnStartup={(bool?)f.Trigger["runOnStartup"] ?? false}")
            .Order();

        var assembly = typeof(AgentDispatchApp).Assembly;
        var discovered = QueueFunction.Discover(assembly, configuration).Select(q => $"{q.Name} queue {q.QueueName} {q.Connection}")
            .Concat(TimerFunction.Discover(assembly, configuration).Select(t => $"{t.Name} timer {t.Schedule.Expression} runOnStartup={t.RunOnStartup}"))
            .Order();

        Assert.Equal(fromMetadata, discovered);
    }

    [Fact]
    public async Task FunctionKeyConfigured_FunctionRoutesNeedIt_AnonymousOnesDoNot()
    {
        await using var host = await RunningDevHost.StartAsync(storage, "--DevHost:FunctionKey=k3y");

        using var withoutKey = await host.Client.PostAsync("api/dispatch", new StringContent("{}"));
        using var wrongKey = await host.Client.PostAsync("api/dispatch?code=nope", new StringContent("{}"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/dispatch") { Content = new StringContent("""{"meetingId":"m","agentId":"a"}""", null, "application/json") };
        request.Headers.Add("x-functions-key", "k3y");
        using var withHeader = await host.Client.SendAsync(request);
        using var withCode = await host.Client.PostAsync("api/dispatch?code=k3y", new StringContent("""{"meetingId":"m","agentId":"a"}""", null, "application/json"));
        using var health = await host.Client.GetAsync("api/health");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withHeader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(2, host.Emulator!.State.Dispatches.Count);
    }

    [Fact]
    public async Task WrongMethod_Is405AndUnknownRoute_Is404()
    {
        await using var host = await RunningDevHost.StartAsync(storage);

        using var get = await host.Client.GetAsync("api/dispatch");
        using var unknown = await host.Client.GetAsync("api/nothing-here");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
