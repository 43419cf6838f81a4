using System.Globalization;
using AgentDispatch.Reliability.Tests.Hostile;
using AgentDispatch.Testing.Properties;
using AgentDispatch.Testing.Webhooks;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;
using CsCheck;
using Xunit.Abstractions;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>
/// Correctly signed deliveries with generated contents, on each webhook route of one hostile dev host:
/// every answer is 2xx or 4xx; a valid event makes its job; anything else makes a job only for a
/// meeting id it names, and around every delivery not stored no job is added and the sentinel (a job
/// stored first, whose key the generated keys imitate) is untouched; the host stays healthy and logs
/// no unhandled exception.
/// </summary>
[Collection(StorageCollection.Name)]
public sealed class GeneratedWebhookTests(StorageFixture storage, ITestOutputHelper output)
{
    /// <summary>Cases per route in CI: a few seconds each on two cores.</summary>
    private const int CiCases = 1000;

    [Fact]
    public Task SignedCalendlyDeliveries_AreAnswered2xxOr4xx_AndStoreOnlyWhatTheyName()
        => RunAsync("POST /api/webhooks/calendly", Deliveries.Calendly, now => WebhookPayloads.CalendlyCreated(Deliveries.SentinelId, now.AddDays(30), now), (body, _, headers, now) =>
            headers.TryAddWithoutValidation(CalendlySignature.Header, CalendlySignature.Sign(body, Canaries.Calendly, now)));

    [Fact]
    public Task SignedCalComDeliveries_AreAnswered2xxOr4xx_AndStoreOnlyWhatTheyName()
        => RunAsync("POST /api/webhooks/calcom", Deliveries.CalCom, now => WebhookPayloads.CalCom("BOOKING_CREATED", Deliveries.SentinelId, now.AddDays(30), now), (body, _, headers, _) =>
            headers.TryAddWithoutValidation(CalComSignature.Header, CalComSignature.Sign(body, Canaries.CalCom)));

    [Fact]
    public Task SignedStandardWebhooks_AreAnswered2xxOr4xx_AndStoreOnlyWhatTheyName()
        => RunAsync("POST /api/webhooks/standard", Deliveries.Standard, now => WebhookPayloads.Standard("meeting.scheduled", Deliveries.SentinelId, now.AddDays(30)), (body, number, headers, now) =>
        {
            var id = "msg_gen_" + number.ToString(CultureInfo.InvariantCulture);
            headers.TryAddWithoutValidation(StandardWebhookSignature.IdHeader, id);
            headers.TryAddWithoutValidation(StandardWebhookSignature.TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            headers.TryAddWithoutValidation(StandardWebhookSignature.SignatureHeader, StandardWebhookSignature.Sign(id, now, body, Canaries.Standard));
        });

    private async Task RunAsync(
        string route,
        Func<DateTimeOffset, Gen<Delivery>> deliveries,
        Func<DateTimeOffset, byte[]> sentinel,
        Action<byte[], int, System.Net.Http.Headers.HttpRequestHeaders, DateTimeOffset> sign)
    {
        await using var host = await HostileHost.StartAsync(storage);
        using var probe = new Probe(host, output);
        var path = route["POST ".Length..];
        var now = DateTimeOffset.UtcNow;
        var seeded = sentinel(now);
        var first = await probe.SendAsync(route + " (sentinel)", HttpMethod.Post, path, seeded, h => sign(seeded, -1, h, DateTimeOffset.UtcNow));
        Assert.True(first.Status == 202, $"the sentinel delivery was answered {first.Status}: {first.Body}");
        var sentinels = (await probe.LedgerAsync()).Keys.ToList();

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        var valid = 0;
        var tried = await PropertyRun.CheckAsync(deliveries(now), async delivery =>
        {
            var before = await probe.LedgerAsync();
            var signedAt = DateTimeOffset.UtcNow;
            var answer = await probe.SendAsync(route, HttpMethod.Post, path, delivery.Body, h => sign(delivery.Body, number++, h, signedAt));
            var after = await probe.LedgerAsync();
            if (answer.Status == 202)
            {
                Probe.CheckStored(route, before, after, delivery.Text);
            }
            else
            {
                Probe.CheckUnchanged($"{route} answered {answer.Status} ({answer.Body})", before, after, sentinels);
            }

            if (delivery.Valid && seen.Add(delivery.Key))
            {
                valid++;
                Assert.True(answer.Status == 202, $"a valid event was answered {answer.Status}, not 202: {answer.Body}");
            }

            seen.Add(delivery.Key);
        }, PropertyRun.Cases(CiCases), d => d.ToString());

        probe.Report();
        output.WriteLine($"{route}: {tried} cases from seed {PropertyRun.Seed}, {valid} of them valid events (each made its job)");
        await probe.CheckHealthyAsync();
        probe.CheckNoUnhandledExceptions();
        Assert.True(valid > 0, "no generated case was a valid event: the generator no longer covers the path that stores a job");
    }
}
