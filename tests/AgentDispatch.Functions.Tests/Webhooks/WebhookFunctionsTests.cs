using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Functions.Webhooks;
using AgentDispatch.Jobs;
using AgentDispatch.Storage;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.VideoSdkEmulator;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentDispatch.Functions.Tests.Webhooks;

/// <summary>
/// <c>POST /api/webhooks/{calendly,calcom,standard}</c> through the app's real container, with
/// Azurite for the ledger and the VideoSDK emulator upstream: the raw bytes and headers a sender
/// would send, and the status, content type and body it gets back.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebhookFunctionsTests(AzuriteCollectionFixture azurite) : IAsyncLifetime
{
    private const string CalendlyKey = "calendly-signing-key-for-function-tests";
    private const string CalComSecret = "calcom-secret-for-function-tests";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string StandardKeyBase64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly List<FunctionsTestHost> _hosts = [];
    private RunningEmulator _videoSdk = null!;

    public enum Provider
    {
        Calendly,
        CalCom,
        Standard,
    }

    public async Task InitializeAsync() => _videoSdk = await VideoSdkEmulatorApp.StartAsync(new EmulatorOptions());

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        await _videoSdk.DisposeAsync();
    }

    /// <summary>A host of its own for each test: its own ledger and queues, and the settings the test changes.</summary>
    private FunctionsTestHost Host(IEnumerable<(string Key, string? Value)>? extra = null, Action<IServiceCollection>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.Fixture.ConnectionString,
            ["Jobs:LedgerTable"] = AzuriteFixture.UniqueName("ledger"),
            [QueueNames.WakeSetting] = AzuriteFixture.UniqueName("wake"),
            [QueueNames.RequestsSetting] = AzuriteFixture.UniqueName("requests"),
            ["VideoSdk:BaseUrl"] = _videoSdk.BaseAddress.AbsoluteUri,
            ["VideoSdk:AuthToken"] = "webhook-functions-token",
            ["Webhooks:Calendly:Secret"] = CalendlyKey,
            ["Webhooks:CalCom:Secret"] = CalComSecret,
            ["Webhooks:Standard:Secret"] = StandardSecret,
            ["Routing:Rules:0:Name"] = "demos",
            ["Routing:Rules:0:AgentId"] = "demo-agent",
            ["Routing:Rules:0:LeadTime"] = "00:01:00",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var host = new FunctionsTestHost(settings, configure);
        _hosts.Add(host);
        return host;
    }

    /// <summary>Posts <paramref name="body"/> as is, with these headers, to the provider's function and reads the answer.</summary>
    private static async Task<FunctionResponse> Post(
        FunctionsTestHost host,
        Provider provider,
        byte[] body,
        IReadOnlyDictionary<string, string> headers,
        string contentType = "application/json",
        bool sendLength = true,
        Action<IHeaderDictionary>? configure = null)
    {
        var request = host.Request(null, contentType);
        request.Path = "/api/webhooks/" + provider.ToString().ToLowerInvariant();
        request.Body = new MemoryStream(body);
        request.ContentLength = sendLength ? body.Length : null;
        foreach (var (name, value) in headers)
        {
            request.Headers[name] = value;
        }

        configure?.Invoke(request.Headers);

        var functions = host.Create<WebhookFunctions>();
        var result = provider switch
        {
            Provider.Calendly => await functions.CalendlyWebhook(request, CancellationToken.None),
            Provider.CalCom => await functions.CalComWebhook(request, CancellationToken.None),
            _ => await functions.StandardWebhook(request, CancellationToken.None),
        };
        return await FunctionsTestHost.ExecuteAsync(result, request);
    }

    private static Dictionary<string, string> CalendlyHeaders(byte[] body, DateTimeOffset? signedAt = null, string key = CalendlyKey)
        => SignedHeaders.Calendly(body, key, signedAt);

    private static Dictionary<string, string> CalComHeaders(byte[] body, string secret = CalComSecret)
        => SignedHeaders.CalCom(body, secret);

    private static Dictionary<string, string> StandardHeaders(byte[] body, string id, DateTimeOffset? signedAt = null, string secret = StandardSecret)
        => SignedHeaders.Standard(body, id, secret, signedAt);

    /// <summary>A correctly signed delivery for <paramref name="provider"/> of a meeting two hours ahead.</summary>
    private static (byte[] Body, Dictionary<string, string> Headers) Signed(Provider provider, string id = "INV1")
    {
        var start = DateTimeOffset.UtcNow.AddHours(2);
        return provider switch
        {
            Provider.Calendly => WithHeaders(WebhookPayloads.CalendlyCreated(id, start, DateTimeOffset.UtcNow), b => CalendlyHeaders(b)),
            Provider.CalCom => WithHeaders(WebhookPayloads.CalCom("BOOKING_CREATED", id, start, DateTimeOffset.UtcNow), b => CalComHeaders(b)),
            _ => WithHeaders(WebhookPayloads.Standard("meeting.scheduled", id, start), b => StandardHeaders(b, "msg_" + id)),
        };
    }

    private static (byte[], Dictionary<string, string>) WithHeaders(byte[] body, Func<byte[], Dictionary<string, string>> sign) => (body, sign(body));

    private static async Task<List<DispatchJob>> Ledger(FunctionsTestHost host)
        => [.. (await host.Services.GetRequiredService<DispatchJobService>().ListAsync(null, null, 100, null, CancellationToken.None))!.Items];

    private static JsonObject Json(FunctionResponse response) => JsonNode.Parse(response.Body)!.AsObject();

    private static void AssertAck(FunctionResponse response, int status, string ackStatus)
    {
        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(ackStatus, (string?)Json(response)["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)Json(response)["reason"]));
    }

    private static void AssertProblem(FunctionResponse response, int status, string type)
    {
        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType, StringComparison.Ordinal);
        var problem = Json(response);
        Assert.Equal(AgentDispatch.Functions.Http.Problems.TypePrefix + type, (string?)problem["type"]);
        Assert.Equal(status, (int?)problem["status"]);
    }

    [Theory]
    [InlineData(Provider.Calendly, "abcd-efgh-ijkl")]
    [InlineData(Provider.CalCom, "wxyz-1234-abcd")]
    [InlineData(Provider.Standard, "stnd-0001-mtng")]
    public async Task SignedBooking_Is202ScheduledWithTheJobAndTheRule_AndTheJobIsStored(Provider provider, string meetingId)
    {
        var host = Host();
        var (body, headers) = Signed(provider);

        var response = await Post(host, provider, body, headers);

        AssertAck(response, 202, "scheduled");
        var ack = Json(response);
        Assert.Equal(["status", "reason", "jobId", "rule"], ack.Select(p => p.Key));
        Assert.Equal("job created", (string?)ack["reason"]);
        Assert.Equal("demos", (string?)ack["rule"]);
        var job = await host.Services.GetRequiredService<DispatchJobService>().GetAsync((string)ack["jobId"]!, CancellationToken.None);
        Assert.NotNull(job);
        Assert.Equal((JobState.Scheduled, meetingId, "demo-agent"), (job.State, job.MeetingId, job.AgentId));
        Assert.Equal(provider.ToString().ToLowerInvariant(), job.Source);
        Assert.Empty(_videoSdk.State.Dispatches);
    }

    [Fact]
    public async Task Calendly_RescheduledInvitee_Is202RescheduledAndMovesTheSameJob()
    {
        var host = Host();
        var oldStart = DateTimeOffset.UtcNow.AddHours(2);
        var newStart = DateTimeOffset.UtcNow.AddHours(5);
        var created = WebhookPayloads.CalendlyCreated("OLD", oldStart, DateTimeOffset.UtcNow.AddMinutes(-5));
        var first = Json(await Post(host, Provider.Calendly, created, CalendlyHeaders(created)));

        var rescheduled = WebhookPayloads.CalendlyRescheduledCreated("NEW", "OLD", newStart, DateTimeOffset.UtcNow);
        var response = await Post(host, Provider.Calendly, rescheduled, CalendlyHeaders(rescheduled));

        AssertAck(response, 202, "rescheduled");
        Assert.Equal((string?)first["jobId"], (string?)Json(response)["jobId"]);
        var job = Assert.Single(await Ledger(host));
        Assert.Equal(JobState.Scheduled, job.State);
        Assert.Equal(newStart.AddMinutes(-1).ToUnixTimeMilliseconds(), job.DispatchAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Standard_Rescheduled_Is202Rescheduled_ThenCancelled_Is202Cancelled()
    {
        var host = Host();
        var scheduled = WebhookPayloads.Standard("meeting.scheduled", "mtg-9", DateTimeOffset.UtcNow.AddHours(2));
        var rescheduled = WebhookPayloads.Standard("meeting.rescheduled", "mtg-9", DateTimeOffset.UtcNow.AddHours(4));
        var cancelled = WebhookPayloads.Standard("meeting.cancelled", "mtg-9", DateTimeOffset.UtcNow.AddHours(4));
        var now = DateTimeOffset.UtcNow;

        var created = await Post(host, Provider.Standard, scheduled, StandardHeaders(scheduled, "msg_1", now.AddSeconds(-20)));
        var moved = await Post(host, Provider.Standard, rescheduled, StandardHeaders(rescheduled, "msg_2", now.AddSeconds(-10)));
        var gone = await Post(host, Provider.Standard, cancelled, StandardHeaders(cancelled, "msg_3", now));

        AssertAck(created, 202, "scheduled");
        AssertAck(moved, 202, "rescheduled");
        AssertAck(gone, 202, "cancelled");
        Assert.Equal("job cancelled", (string?)Json(gone)["reason"]);
        Assert.Equal((string?)Json(created)["jobId"], (string?)Json(gone)["jobId"]);
        Assert.Equal(JobState.Cancelled, Assert.Single(await Ledger(host)).State);
    }

    [Fact]
    public async Task CalCom_Cancelled_Is202Cancelled()
    {
        var host = Host();
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var created = WebhookPayloads.CalCom("BOOKING_CREATED", "uid-c", start, DateTimeOffset.UtcNow.AddMinutes(-2));
        var cancelled = WebhookPayloads.CalCom("BOOKING_CANCELLED", "uid-c", start, DateTimeOffset.UtcNow);
        await Post(host, Provider.CalCom, created, CalComHeaders(created));

        var response = await Post(host, Provider.CalCom, cancelled, CalComHeaders(cancelled));

        AssertAck(response, 202, "cancelled");
        Assert.Equal(JobState.Cancelled, Assert.Single(await Ledger(host)).State);
    }

    [Fact]
    public async Task SameDeliveryAgain_Is200IgnoredWithTheSameJob()
    {
        var host = Host();
        var (body, headers) = Signed(Provider.Standard, "mtg-again");
        var first = Json(await Post(host, Provider.Standard, body, headers));

        var again = await Post(host, Provider.Standard, body, headers);

        AssertAck(again, 200, "ignored");
        Assert.Equal("this delivery was already applied", (string?)Json(again)["reason"]);
        Assert.Equal((string?)first["jobId"], (string?)Json(again)["jobId"]);
        Assert.Single(await Ledger(host));
    }

    [Theory]
    [InlineData("no-meeting-id", "no VideoSDK meeting id was found")]
    [InlineData("no-rule", "no routing rule matched the event")]
    [InlineData("past", "the meeting has already ended")]
    [InlineData("other-event", "does not concern a meeting's schedule")]
    public async Task SignedButNothingToDo_Is200IgnoredWithTheReason_AndNothingStored(string kind, string reason)
    {
        var host = Host(kind == "no-rule" ? [("Routing:Rules:0:Sources", "calcom")] : null);
        var start = kind == "past" ? DateTimeOffset.UtcNow.AddHours(-2) : DateTimeOffset.UtcNow.AddHours(2);
        var text = Encoding.UTF8.GetString(WebhookPayloads.CalendlyCreated("INV1", start, DateTimeOffset.UtcNow));
        text = kind switch
        {
            "no-meeting-id" => text.Replace("https://app.videosdk.live/meeting/abcd-efgh-ijkl", "https://zoom.us/j/123456789", StringComparison.Ordinal),
            "other-event" => text.Replace("\"event\": \"invitee.created\"", "\"event\": \"routing_form_submission.created\"", StringComparison.Ordinal),
            _ => text,
        };
        var body = Encoding.UTF8.GetBytes(text);

        var response = await Post(host, Provider.Calendly, body, CalendlyHeaders(body));

        AssertAck(response, 200, "ignored");
        Assert.Contains(reason, (string?)Json(response)["reason"], StringComparison.Ordinal);
        Assert.Null((string?)Json(response)["jobId"]);
        Assert.Empty(await Ledger(host));
    }

    public static TheoryData<Provider, string> BadSignatures => new()
    {
        { Provider.Calendly, "wrong-key" },
        { Provider.Calendly, "stale" },
        { Provider.Calendly, "future" },
        { Provider.Calendly, "missing" },
        { Provider.Calendly, "tampered" },
        { Provider.CalCom, "wrong-key" },
        { Provider.CalCom, "missing" },
        { Provider.CalCom, "no-secret-provided" },
        { Provider.CalCom, "tampered" },
        { Provider.Standard, "wrong-key" },
        { Provider.Standard, "stale" },
        { Provider.Standard, "missing" },
        { Provider.Standard, "tampered" },
    };

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task BadSignature_Is401Problem_StoresNothing_AndEchoesNoSecretOrSignature(Provider provider, string kind)
    {
        var host = Host();
        var body = Signed(provider).Body;
        const string otherStandard = "whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCBrZXkgISE=";
        var headers = (provider, kind) switch
        {
            (_, "missing") => [],
            (Provider.Calendly, "wrong-key") => CalendlyHeaders(body, key: "not-the-key"),
            (Provider.Calendly, "stale") => CalendlyHeaders(body, DateTimeOffset.UtcNow.AddMinutes(-10)),
            (Provider.Calendly, "future") => CalendlyHeaders(body, DateTimeOffset.UtcNow.AddMinutes(10)),
            (Provider.Calendly, _) => CalendlyHeaders(body),
            (Provider.CalCom, "wrong-key") => CalComHeaders(body, "not-the-secret"),
            (Provider.CalCom, "no-secret-provided") => new Dictionary<string, string> { [CalComSignature.Header] = CalComSignature.NoSecretProvided },
            (Provider.CalCom, _) => CalComHeaders(body),
            (_, "wrong-key") => StandardHeaders(body, "msg_bad", secret: otherStandard),
            (_, "stale") => StandardHeaders(body, "msg_bad", DateTimeOffset.UtcNow.AddMinutes(-10)),
            _ => StandardHeaders(body, "msg_bad"),
        };
        if (kind == "tampered")
        {
            // Signed, then changed on the way by one trailing space: the same JSON, not the same bytes.
            body = [.. body, (byte)' '];
        }

        var response = await Post(host, provider, body, headers);

        AssertProblem(response, 401, "webhook-signature");
        Assert.Empty(await Ledger(host));
        foreach (var secret in new[] { CalendlyKey, CalComSecret, StandardSecret, StandardKeyBase64 })
        {
            Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal);
        }

        foreach (var value in headers.Values)
        {
            Assert.DoesNotContain(value, response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MalformedJson_Unsigned_Is401_NotParsedBeforeItIsVerified()
    {
        var host = Host();

        var response = await Post(host, Provider.CalCom, "{not json"u8.ToArray(), new Dictionary<string, string> { [CalComSignature.Header] = "00" });

        AssertProblem(response, 401, "webhook-signature");
    }

    [Theory]
    [InlineData(Provider.Calendly, "{not json")]
    [InlineData(Provider.CalCom, "[1, 2, 3]")]
    [InlineData(Provider.Standard, """{"type": "meeting.scheduled", "meeting": {"id": "m", "startTime": "2030-01-01T10:00:00Z"},}""")]
    [InlineData(Provider.Standard, """{"type": "meeting.exploded", "meeting": {"id": "m"}}""")]
    public async Task SignedButMalformed_Is400ValidationProblem_AndNothingStored(Provider provider, string text)
    {
        var host = Host();
        var body = Encoding.UTF8.GetBytes(text);
        var headers = provider switch
        {
            Provider.Calendly => CalendlyHeaders(body),
            Provider.CalCom => CalComHeaders(body),
            _ => StandardHeaders(body, "msg_malformed"),
        };

        var response = await Post(host, provider, body, headers);

        AssertProblem(response, 400, "validation");
        Assert.NotNull(Json(response)["errors"]);
        Assert.Empty(await Ledger(host));
    }

    [Theory]
    [InlineData(Provider.Calendly, "Webhooks:Calendly:Secret")]
    [InlineData(Provider.CalCom, "Webhooks:CalCom:Secret")]
    [InlineData(Provider.Standard, "Webhooks:Standard:Secret")]
    public async Task SecretNotConfigured_Is503ProblemNamingTheSetting_AndNothingStored(Provider provider, string setting)
    {
        var host = Host([(setting, null)]);
        var (body, headers) = Signed(provider);

        var response = await Post(host, provider, body, headers);

        AssertProblem(response, 503, "webhook-not-configured");
        var detail = (string?)Json(response)["detail"];
        Assert.Contains(setting, detail, StringComparison.Ordinal);
        Assert.Contains(setting + "Name", detail, StringComparison.Ordinal);
        Assert.Empty(await Ledger(host));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyOver256KiB_Is413_WithOrWithoutContentLength(bool sendLength)
    {
        var host = Host();
        var (small, _) = Signed(Provider.CalCom);
        var padded = Encoding.UTF8.GetString(small).Replace("\"description\": \"\"", $"\"description\": \"{new string('x', 256 * 1024)}\"", StringComparison.Ordinal);
        var body = Encoding.UTF8.GetBytes(padded);
        Assert.True(body.Length > 256 * 1024);

        var response = await Post(host, Provider.CalCom, body, CalComHeaders(body), sendLength: sendLength);

        AssertProblem(response, 413, "body-too-large");
        Assert.Empty(await Ledger(host));
    }

    [Fact]
    public async Task BodyOfExactly256KiB_IsRead()
    {
        var host = Host();
        var (small, _) = Signed(Provider.CalCom);
        var text = Encoding.UTF8.GetString(small);
        var body = Encoding.UTF8.GetBytes(text.Replace("\"description\": \"\"", $"\"description\": \"{new string('x', (256 * 1024) - small.Length)}\"", StringComparison.Ordinal));
        Assert.Equal(256 * 1024, body.Length);

        var response = await Post(host, Provider.CalCom, body, CalComHeaders(body));

        AssertAck(response, 202, "scheduled");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task NonJsonContentType_Is415_AndNothingStored(string contentType)
    {
        var host = Host();
        var (body, headers) = Signed(Provider.Calendly);

        var response = await Post(host, Provider.Calendly, body, headers, contentType);

        AssertProblem(response, 415, "unsupported-media-type");
        Assert.Empty(await Ledger(host));
    }

    [Fact]
    public async Task SecretFromKeyVault_Verifies_AndIsReadOnce()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("calendly-signing-key", CalendlyKey);
        vault.SetSecret("videosdk-auth-token", "vault-token");
        var host = Host(
            [("Webhooks:Calendly:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)],
            services => services.AddSingleton(vault.CreateSecretClient()));

        var (body1, headers1) = Signed(Provider.Calendly, "KV1");
        var (body2, headers2) = Signed(Provider.Calendly, "KV2");

        var first = await Post(host, Provider.Calendly, body1, headers1);
        var second = await Post(host, Provider.Calendly, body2, headers2);

        AssertAck(first, 202, "scheduled");
        AssertAck(second, 202, "scheduled");
        Assert.Equal(2, (await Ledger(host)).Count);
        Assert.Equal(1, vault.ReadCount("calendly-signing-key"));
        Assert.DoesNotContain(CalendlyKey, first.Body + second.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyVaultWithoutTheSecret_Is503ProblemNamingTheSecretNameSetting()
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        vault.SetSecret("videosdk-auth-token", "vault-token");
        var host = Host(
            [("Webhooks:Calendly:Secret", null), ("KeyVault:VaultUri", vault.VaultUri.AbsoluteUri), ("VideoSdk:AuthToken", null)],
            services => services.AddSingleton(vault.CreateSecretClient()));
        var (body, headers) = Signed(Provider.Calendly);

        var response = await Post(host, Provider.Calendly, body, headers);

        AssertProblem(response, 503, "webhook-not-configured");
        var detail = (string?)Json(response)["detail"];
        Assert.Contains("Webhooks:Calendly:SecretName", detail, StringComparison.Ordinal);
        Assert.Contains("'calendly-signing-key' was not found", detail, StringComparison.Ordinal);
        Assert.False(response.Headers.ContainsKey("Retry-After"));
        Assert.Empty(await Ledger(host));
    }

    [Fact]
    public async Task RepeatedSignatureHeaders_AreOneList_ButARepeatedIdOrTimestampIsUnsigned()
    {
        var host = Host();
        var (body, headers) = Signed(Provider.Standard, "rep-1");

        var twoSignatureHeaders = await Post(host, Provider.Standard, body, headers, configure: h =>
            h[StandardWebhookSignature.SignatureHeader] = new Microsoft.Extensions.Primitives.StringValues(["v1,c29tZXRoaW5nIGVsc2U=", headers[StandardWebhookSignature.SignatureHeader]]));
        var (body2, headers2) = Signed(Provider.Standard, "rep-2");
        var twoIds = await Post(host, Provider.Standard, body2, headers2, configure: h =>
            h[StandardWebhookSignature.IdHeader] = new Microsoft.Extensions.Primitives.StringValues([headers2[StandardWebhookSignature.IdHeader], "msg_other"]));

        AssertAck(twoSignatureHeaders, 202, "scheduled");
        AssertProblem(twoIds, 401, "webhook-signature");
        Assert.Single(await Ledger(host));
    }

    [Fact]
    public async Task StorageUnreachable_Is503WithRetryAfter_AndTheSenderCanRetry()
    {
        // A Storage account on a loopback port nothing listens on: every ledger call fails to connect.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var host = Host([("AzureWebJobsStorage", azurite.Fixture.ConnectionString
            .Replace($":{azurite.Fixture.TablePort}/", $":{port}/", StringComparison.Ordinal)
            .Replace($":{azurite.Fixture.QueuePort}/", $":{port}/", StringComparison.Ordinal))]);
        var (body, headers) = Signed(Provider.CalCom, "down-1");

        var response = await Post(host, Provider.CalCom, body, headers);

        AssertProblem(response, 503, "webhook-storage-unavailable");
        Assert.True(int.Parse(response.Headers["Retry-After"].ToString(), CultureInfo.InvariantCulture) > 0);
    }
}
