using AgentDispatch.Functions.Status;
using AgentDispatch.Storage;
using AgentDispatch.Testing;

namespace AgentDispatch.Functions.Tests.Status;

/// <summary><c>GET /api/status</c> through the app's real container, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StatusFunctionTests(AzuriteCollectionFixture azurite)
{
    private FunctionsTestHost Host() => new(new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = azurite.Fixture.ConnectionString,
        ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
        [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
        [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
        ["VideoSdk:AuthToken"] = "status-function-token",
    });

    [Fact]
    public async Task Status_AnswersOneSelfContainedHtmlPage_ThatKeepsItsUrlToItself()
    {
        using var host = Host();
        var request = host.Request(null, null, "GET");

        var response = await FunctionsTestHost.ExecuteAsync(await host.Create<StatusFunction>().Status(request, CancellationToken.None), request);

        Assert.Equal(200, response.Status);
        Assert.Equal("text/html; charset=utf-8", response.ContentType);
        Assert.Equal(AgentDispatch.Status.StatusPage.ContentSecurityPolicy, response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal("no-referrer", response.Headers["Referrer-Policy"].ToString());
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
        Assert.StartsWith("<!doctype html>", response.Body, StringComparison.Ordinal);
        Assert.Contains("<h1>AgentDispatch status</h1>", response.Body, StringComparison.Ordinal);
        Assert.Contains("data-backlog=\"queued\"", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("status-function-token", response.Body, StringComparison.Ordinal);
    }
}
