using System.Net;
using System.Text;
using AgentDispatch.Notifications;
using AgentDispatch.Testing;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.Standard;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;

namespace AgentDispatch.Core.Tests.Notifications;

/// <summary>Deliveries over real loopback HTTP, to a subscriber that verifies them with the StandardWebhooks reference library.</summary>
public sealed class WebhookSenderTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"type":"job.joined","timestamp":"2026-11-28T12:00:00Z","data":{"id":"job-1","sequence":3,"note":"caf\u00e9 ☕"}}""");

    private static Task<DeliveryOutcome> Send(DeliveryServices services, string url, string secret, string id = "evt_1", byte[]? body = null)
        => services.Sender.SendAsync(id, DateTimeOffset.UtcNow, body ?? Body, new SubscriberEndpoint(url, secret), CancellationToken.None);

    [Fact]
    public async Task SendAsync_SignedDelivery_VerifiesWithTheReferenceLibrary()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret, "evt_signed");

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Delivered, 200, null, "HTTP 200"), outcome);
        var delivery = Assert.Single(await subscriber.WaitForAsync(d => d.Count == 1, Generous));
        Assert.True(delivery.Verified, delivery.VerificationError);
        Assert.Equal("evt_signed", delivery.WebhookId);
        Assert.Equal(Body, delivery.Body);
        Assert.Matches("^v1,[A-Za-z0-9+/]{43}=$", delivery.Signature);
    }

    [Fact]
    public async Task SendAsync_Headers_AreTheStandardOnesAndJson()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(204, null));
        await using var services = DeliveryServices.Build();
        var at = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);
        var secret = StandardWebhookSubscriber.NewSecret();

        var outcome = await services.Sender.SendAsync("evt_headers", at, Body, new SubscriberEndpoint(server.BaseAddress + "hook", secret), CancellationToken.None);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.Equal(204, outcome.Status);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.Path);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        Assert.Equal("evt_headers", request.Headers["webhook-id"]);
        Assert.Equal("1795000000", request.Headers["webhook-timestamp"]);
        Assert.Equal(new StandardWebhook(secret).Sign("evt_headers", at, Encoding.UTF8.GetString(Body)), request.Headers["webhook-signature"]);
    }

    [Fact]
    public async Task SendAsync_BareBase64Secret_SignsLikeTheWhsecForm()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret["whsec_".Length..]);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        Assert.True(Assert.Single(subscriber.Deliveries).Verified);
    }

    [Fact]
    public async Task SendAsync_TwoSecrets_SendsOneSignatureForEach()
    {
        var current = StandardWebhookSubscriber.NewSecret();
        var next = StandardWebhookSubscriber.NewSecret();
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var services = DeliveryServices.Build();
        var now = DateTimeOffset.UtcNow;

        await services.Sender.SendAsync("evt_rotate", now, Body, new SubscriberEndpoint(server.BaseAddress.AbsoluteUri, $"{current} {next}"), CancellationToken.None);

        var request = Assert.Single(server.Requests);
        var signatures = request.Headers["webhook-signature"];
        Assert.Equal(2, signatures.Split(' ').Length);
        foreach (var secret in new[] { current, next })
        {
            var check = StandardWebhookSignature.Verify(
                request.Headers["webhook-id"], request.Headers["webhook-timestamp"], signatures, request.Body,
                StandardWebhookSignature.ParseSecrets(secret), now, TimeSpan.FromMinutes(5));
            Assert.True(check.Valid, check.Reason);
        }
    }

    [Fact]
    public async Task SendAsync_BodyTamperedInTransit_FailsVerificationAtTheSubscriber()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        await using var services = DeliveryServices.Build(configure: s => s.AddHttpClient<WebhookSender>().AddHttpMessageHandler(() => new Tamper()));

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret);

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(401, outcome.Status);
        var delivery = Assert.Single(subscriber.Deliveries);
        Assert.False(delivery.Verified);
        Assert.NotEqual(Body, delivery.Body);
        Assert.Empty(subscriber.DistinctIds);
    }

    [Fact]
    public async Task SendAsync_ServerError_IsRetryWithAShortExcerpt()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(500, "{\"error\":\"database\n\tunavailable\"," + new string('x', 2000) + "}"));
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(500, outcome.Status);
        Assert.Null(outcome.RetryAfter);
        Assert.StartsWith("HTTP 500: {\"error\":\"database unavailable\"", outcome.Reason, StringComparison.Ordinal);
        Assert.True(outcome.Reason.Length < 200, outcome.Reason);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(408)]
    [InlineData(413)]
    [InlineData(502)]
    public async Task SendAsync_OtherFailures_AreRetry(int status)
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(status, null));
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Retry, status, null, $"HTTP {status}"), outcome);
    }

    [Fact]
    public async Task SendAsync_TooManyRequestsWithRetryAfterSeconds_IsRetryAfterThatDelay()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(429, null, ("Retry-After", "7")));
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(429, outcome.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), outcome.RetryAfter);
        Assert.Equal("HTTP 429, retry after 7 s", outcome.Reason);
    }

    [Fact]
    public async Task SendAsync_UnavailableWithRetryAfterDate_IsRetryUntilThatDate()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(503, null, ("Retry-After", now.AddMinutes(2).ToString("R"))));
        await using var services = DeliveryServices.Build(configure: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(now)));

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(TimeSpan.FromMinutes(2), outcome.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_RetryAfterDateInThePast_IsRetryWithNoDelay()
    {
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(503, null, ("Retry-After", now.AddMinutes(-2).ToString("R"))));
        await using var services = DeliveryServices.Build(configure: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(now)));

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(TimeSpan.Zero, outcome.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_Gone_IsGone()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        subscriber.Mode = SubscriberMode.Gone;
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret);

        Assert.Equal(DeliveryResult.Gone, outcome.Result);
        Assert.Equal(410, outcome.Status);
    }

    [Fact]
    public async Task SendAsync_Redirect_IsRetryAndTheTargetReceivesNothing()
    {
        await using var target = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        subscriber.Mode = SubscriberMode.Redirect;
        subscriber.RedirectTo = new Uri(target.BaseAddress, "elsewhere");
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret);

        Assert.Equal(DeliveryResult.Retry, outcome.Result);
        Assert.Equal(302, outcome.Status);
        Assert.Equal("HTTP 302 redirect to 127.0.0.1 not followed; update the subscriber URL", outcome.Reason);
        Assert.Single(subscriber.Deliveries);
        Assert.Empty(target.Requests);
    }

    [Fact]
    public async Task SendAsync_SlowSubscriber_IsRetryWhenTheTimeoutEnds()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        subscriber.Mode = SubscriberMode.Slow;
        await using var services = DeliveryServices.Build(new DeliveryLimits { AllowPrivateNetworks = true, Timeout = TimeSpan.FromSeconds(1) });

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret);

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Retry, null, null, "no answer within 1 s"), outcome);
    }

    [Fact]
    public async Task SendAsync_HugeAnswer_IsNotReadPastTheLimit()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        subscriber.Mode = SubscriberMode.Huge;
        await using var services = DeliveryServices.Build(new DeliveryLimits { AllowPrivateNetworks = true, MaxResponseBytes = 16 * 1024 });

        var outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret);

        Assert.Equal(DeliveryResult.Delivered, outcome.Result);
        // The sender stopped reading and dropped the connection, so the subscriber could not write it all.
        await Poll.UntilAsync(() => subscriber.HugeAnswersCut == 1, Generous);
        Assert.True(subscriber.HugeBytesWritten < subscriber.HugeBytes, $"{subscriber.HugeBytesWritten} bytes written");
    }

    [Fact]
    public async Task SendAsync_HugeFailureWithContentLength_IsRetryWithoutReadingIt()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 500;
            context.Response.ContentLength = 100_000;
            await context.Response.WriteAsync(new string('x', 100_000));
        });
        await using var services = DeliveryServices.Build(new DeliveryLimits { AllowPrivateNetworks = true, MaxResponseBytes = 1024 });

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Retry, 500, null, "HTTP 500"), outcome);
    }

    [Fact]
    public async Task SendAsync_SubscriberDown_IsRetryAndTheSameUrlWorksWhenItIsBack()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        await using var services = DeliveryServices.Build();
        var url = subscriber.Url.AbsoluteUri;

        await subscriber.TakeDownAsync();
        var whileDown = await Send(services, url, subscriber.Secret, "evt_down");
        await subscriber.BringUpAsync();
        var whenBack = await Send(services, url, subscriber.Secret, "evt_down");

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Retry, null, null, "could not connect to 127.0.0.1"), whileDown);
        Assert.Equal(DeliveryResult.Delivered, whenBack.Result);
        Assert.Equal(url, subscriber.Url.AbsoluteUri);
        Assert.Equal(["evt_down"], subscriber.DistinctIds);
    }

    [Fact]
    public async Task SendAsync_SubscriberFailingSome_RetriesCarryTheSameIdUntilAllArrive()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync(seed: 7);
        subscriber.Mode = SubscriberMode.FailSome;
        await using var services = DeliveryServices.Build();
        var outcomes = new List<DeliveryOutcome>();

        for (var i = 0; i < 20; i++)
        {
            DeliveryOutcome outcome;
            do
            {
                outcome = await Send(services, subscriber.Url.AbsoluteUri, subscriber.Secret, $"evt_{i}");
                outcomes.Add(outcome);
            }
            while (outcome.Result == DeliveryResult.Retry);
        }

        Assert.Equal(20, subscriber.DistinctIds.Count);
        Assert.All(subscriber.Deliveries, d => Assert.True(d.Verified));
        Assert.Contains(outcomes, o => o.Status == 500);
        Assert.All(outcomes.Where(o => o.Status == 503), o => Assert.Equal(TimeSpan.FromSeconds(1), o.RetryAfter));
        Assert.Equal(subscriber.Deliveries.Select(d => d.Status), outcomes.Select(o => o.Status!.Value));
    }

    [Fact]
    public async Task SendAsync_RefusedUrl_SendsNothing()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var services = DeliveryServices.Build(new DeliveryLimits());

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Refused, outcome.Result);
        Assert.Null(outcome.Status);
        Assert.Contains("127.0.0.1 is a loopback address", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task SendAsync_MalformedSecret_IsRefused()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var services = DeliveryServices.Build();

        var outcome = await Send(services, server.BaseAddress.AbsoluteUri, "whsec_not*base64");

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Refused, null, null, "the subscriber's secret is not a whsec_ base64 key"), outcome);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task SendAsync_NameThatResolvesToLoopback_IsRefusedWhenConnecting()
    {
        // A public-looking name whose DNS answer is loopback (as in DNS rebinding): the URL passes the text check,
        // and the connect-time check refuses it. The name really resolves: "localhost" through the system resolver.
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var services = DeliveryServices.Build(
            new DeliveryLimits(),
            s => s.AddSingleton<ResolveHost>((_, cancellationToken) => Dns.GetHostAddressesAsync("localhost", cancellationToken)));
        var url = $"https://hooks.example.com:{server.BaseAddress.Port}/hook";
        Assert.Null(SubscriberUrls.Problem(url, allowPrivateNetworks: false));

        var outcome = await Send(services, url, StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Refused, outcome.Result);
        Assert.Null(outcome.Status);
        Assert.StartsWith("hooks.example.com resolves to ", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("a loopback address", outcome.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task SendAsync_NameWithAPublicAndAPrivateAddress_IsRefused()
    {
        await using var server = await LoopbackServer.StartAsync(LoopbackServer.Answer(200, null));
        await using var services = DeliveryServices.Build(
            new DeliveryLimits(),
            s => s.AddSingleton<ResolveHost>((_, _) => Task.FromResult(new[] { IPAddress.Parse("8.8.8.8"), IPAddress.Parse("169.254.169.254") })));

        var outcome = await Send(services, "https://hooks.example.com/hook", StandardWebhookSubscriber.NewSecret());

        Assert.Equal(DeliveryResult.Refused, outcome.Result);
        Assert.Contains("169.254.169.254, a link-local address", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NameThatDoesNotResolve_IsRetry()
    {
        await using var services = DeliveryServices.Build(
            new DeliveryLimits(),
            s => s.AddSingleton<ResolveHost>((_, _) => Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound))));

        var outcome = await Send(services, "https://hooks.example.com/hook", StandardWebhookSubscriber.NewSecret());

        Assert.Equal(new DeliveryOutcome(DeliveryResult.Retry, null, null, "the host name hooks.example.com did not resolve"), outcome);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_Throws()
    {
        await using var subscriber = await StandardWebhookSubscriber.StartAsync();
        subscriber.Mode = SubscriberMode.Slow;
        await using var services = DeliveryServices.Build();
        using var stopping = new CancellationTokenSource();

        var sending = services.Sender.SendAsync("evt_stop", DateTimeOffset.UtcNow, Body, new SubscriberEndpoint(subscriber.Url.AbsoluteUri, subscriber.Secret), stopping.Token);
        await subscriber.WaitForAsync(d => d.Count == 1, Generous);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Fact]
    public async Task SendAsync_SecretAndSignatures_NeverAppearInReasonsOrLogs()
    {
        var secret = StandardWebhookSubscriber.NewSecret();
        var key = secret["whsec_".Length..];
        // A subscriber that echoes the signature it got (and, carelessly, the secret) in its error answer.
        await using var echo = await LoopbackServer.StartAsync(async (context, received) =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync($"bad signature {received.Headers["webhook-signature"]} for {key}");
        });
        await using var subscriber = await StandardWebhookSubscriber.StartAsync(secret);
        subscriber.Mode = SubscriberMode.Slow;
        await using var services = DeliveryServices.Build(new DeliveryLimits { AllowPrivateNetworks = true, Timeout = TimeSpan.FromSeconds(1) });

        var outcomes = new[]
        {
            await Send(services, echo.BaseAddress + "hook?token=query-token", secret),
            await Send(services, subscriber.Url.AbsoluteUri + "?token=query-token", secret),
            await Send(services, "http://hooks.example.com/hook?token=query-token", secret),
            await Send(services, "http://127.0.0.1:1/hook?token=query-token", secret),
        };

        var signature = Assert.Single(echo.Requests).Headers["webhook-signature"];
        Assert.Contains("[redacted]", outcomes[0].Reason, StringComparison.Ordinal);
        var everything = string.Join('\n', outcomes.Select(o => o.Reason)) + "\n" + services.AllLogText();
        Assert.Contains("evt_1", everything, StringComparison.Ordinal);
        foreach (var forbidden in new[] { secret, key, signature, signature[3..], "query-token", "/hook" })
        {
            Assert.DoesNotContain(forbidden, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SubscriberEndpoint_ToString_LeavesTheSecretOut()
        => Assert.Equal("SubscriberEndpoint { Url = hooks.example.com }", new SubscriberEndpoint("https://hooks.example.com/x?token=t", "whsec_c2VjcmV0").ToString());

    [Theory]
    [InlineData(0, 1024)]
    [InlineData(-1, 1024)]
    [InlineData(3600, 1024)]
    [InlineData(10, -1)]
    public void AddWebhookDelivery_LimitsOutOfRange_StopStartUp(int timeoutSeconds, int maxBytes)
    {
        var services = new ServiceCollection().AddLogging().AddWebhookDelivery(_ => new DeliveryLimits(false, TimeSpan.FromSeconds(timeoutSeconds), maxBytes));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<WebhookSender>());
        Assert.StartsWith("Webhook delivery: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryLimits_Defaults_AreTheDocumentedOnes()
        => Assert.Equal(new DeliveryLimits(false, TimeSpan.FromSeconds(10), 65536), new DeliveryLimits());

    /// <summary>Changes the body after it was signed, as a tampering proxy would.</summary>
    private sealed class Tamper : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            var headers = request.Content.Headers.ToList();
            body[body.Length - 2] = (byte)'!';
            request.Content = new ByteArrayContent(body);
            foreach (var (name, values) in headers)
            {
                request.Content.Headers.TryAddWithoutValidation(name, values);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}

internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
