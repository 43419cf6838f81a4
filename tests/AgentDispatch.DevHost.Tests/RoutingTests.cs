using System.Net;
using System.Text.Json.Nodes;
using AgentDispatch.DevHost.Functions;
using AgentDispatch.Functions;
using AgentDispatch.Testing;

namespace AgentDispatch.DevHost.Tests;

public sealed class RoutingTests
{
    [Fact]
    public void Discover_MatchesWhatTheFunctionsHostReadsFromFunctionsMetadata()
    {
        var fromMetadata = RepositoryFiles.FunctionsMetadata(typeof(RoutingTests).Assembly)
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
    public async Task FunctionKeyConfigured_FunctionRoutesNeedIt_AnonymousOnesDoNot()
    {
        await using var host = await RunningDevHost.StartAsync("--DevHost:FunctionKey=k3y");

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
        await using var host = await RunningDevHost.StartAsync();

        using var get = await host.Client.GetAsync("api/dispatch");
        using var unknown = await host.Client.GetAsync("api/nothing-here");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
