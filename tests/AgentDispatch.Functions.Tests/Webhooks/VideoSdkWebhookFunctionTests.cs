using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Webhooks;
using AgentDispatch.Storage;
using AgentDispatch.Testing;

namespace AgentDispatch.Functions.Tests.Webhooks;

/// <summary>
/// <c>POST /api/webhooks/videosdk</c> through the app's real container: what VideoSDK (or anyone else)
/// gets back for a signed, unsigned, forged or malformed delivery, and for one that cannot be checked.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class VideoSdkWebhookFunctionTests(AzuriteCollectionFixture azurite) : IDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly List<FunctionsTestHost> _hosts = [];

    public void Dispose()
    {
        _key.Dispose();
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
    }

    private FunctionsTestHost Host(string? publicKey, string baseUrl = "http://127.0.0.1:9/")
    {
        var host = new FunctionsTestHost(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.Fixture.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
            [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
            ["VideoSdk:BaseUrl"] = baseUrl,
            ["VideoSdk:AuthToken"] = "videosdk-webhook-token",
            ["Webhooks:VideoSdk:PublicKey"] = publicKey,
        });
        _hosts.Add(host);
        return host;
    }

    private static async Task<FunctionResponse> PostAsync(FunctionsTestHost host, byte[] body, string? signature)
    {
        var request = host.Request(null);
        request.Path = "/api/webhooks/videosdk";
        request.Body = new MemoryStream(body);
        request.ContentLength = body.Length;
        if (signature is not null)
        {
            request.Headers["videosdk-signature"] = signature;
        }

        var result = await host.Create<VideoSdkWebhookFunction>().VideoSdkWebhook(request, CancellationToken.None);
        return await FunctionsTestHost.ExecuteAsync(result, request);
    }

    private string Sign(byte[] body) => Convert.ToBase64String(_key.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    private static byte[] Joined(string meetingId) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["webhookType"] = "participant-joined",
        ["data"] = new JsonObject { ["meetingId"] = meetingId, ["sessionId"] = "ses_1", ["participantId"] = "agt_1", ["participantName"] = "agent-1" },
    }.ToJsonString());

    [Fact]
    public async Task Signed_AboutNoJob_Is200IgnoredWithTheReason()
    {
        var host = Host(_key.ExportSubjectPublicKeyInfoPem());
        var body = Joined("room-without-jobs");

        var response = await PostAsync(host, body, Sign(body));

        Assert.Equal(200, response.Status);
        var ack = JsonNode.Parse(response.Body)!;
        Assert.Equal("ignored", ack["status"]!.GetValue<string>());
        Assert.Contains("No job", ack["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedOrForged_Is401ProblemJson_WithoutTheSignatureInIt()
    {
        var host = Host(_key.ExportSubjectPublicKeyInfoPem());
        var body = Joined("room-1");
        using var other = RSA.Create(2048);
        var forged = Convert.ToBase64String(other.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        var missing = await PostAsync(host, body, null);
        var wrong = await PostAsync(host, body, forged);

        Assert.All([missing, wrong], r =>
        {
            Assert.Equal(401, r.Status);
            Assert.Equal("application/problem+json", r.ContentType);
            Assert.Contains("urn:agentdispatch:problem:webhook-signature", r.Body, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(forged, wrong.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedButMalformed_Is400ProblemJsonNamingTheField()
    {
        var host = Host(_key.ExportSubjectPublicKeyInfoPem());
        var body = Encoding.UTF8.GetBytes("""{"webhookType":"participant-joined","data":{"meetingId":"room-1"}}""");

        var response = await PostAsync(host, body, Sign(body));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains("data.participantId", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyCannotBeRead_Is503WithRetryAfter()
    {
        var host = Host(publicKey: null, baseUrl: $"http://127.0.0.1:{LoopbackPorts.GetFreeTcpPort()}/");
        var body = Joined("room-1");

        var response = await PostAsync(host, body, Sign(body));

        Assert.Equal(503, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("30", response.Headers.RetryAfter.ToString());
    }
}
