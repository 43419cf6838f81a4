using System.Text;
using AgentDispatch.Webhooks.CalCom;
using AgentDispatch.Webhooks.Calendly;
using AgentDispatch.Webhooks.Standard;

namespace AgentDispatch.Core.Tests.Webhooks;

/// <summary>The three signature schemes, on raw bytes, with the clock passed in.</summary>
public sealed class SignatureTests
{
    private const string CalendlyKey = "calendly-signing-key-0123456789";
    private const string CalComSecret = "calcom-secret-0123456789";
    private const string StandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event":"invitee.created","payload":{"uri":"x"}}""");

    [Fact]
    public void Calendly_ValidSignature_Passes()
        => Assert.True(CalendlySignature.Verify(CalendlySignature.Sign(Body, CalendlyKey, Now), Body, CalendlyKey, Now, TimeSpan.FromMinutes(3)).Valid);

    [Theory]
    [InlineData(-179, true)]
    [InlineData(-181, false)]
    [InlineData(179, true)]
    [InlineData(181, false)]
    public void Calendly_SignedTime_MustBeWithinTheToleranceEitherWay(int offsetSeconds, bool valid)
        => Assert.Equal(valid, CalendlySignature.Verify(CalendlySignature.Sign(Body, CalendlyKey, Now.AddSeconds(offsetSeconds)), Body, CalendlyKey, Now, TimeSpan.FromMinutes(3)).Valid);

    [Theory]
    [InlineData(null, "missing signature header")]
    [InlineData("", "missing signature header")]
    [InlineData("garbage", "malformed signature header")]
    [InlineData("t=123", "malformed signature header")]
    [InlineData("v1=abcd", "malformed signature header")]
    [InlineData("t=notanumber,v1=abcd", "malformed timestamp")]
    public void Calendly_BadHeader_IsRefusedWithAReason(string? header, string reason)
    {
        var check = CalendlySignature.Verify(header, Body, CalendlyKey, Now, TimeSpan.FromMinutes(3));

        Assert.False(check.Valid);
        Assert.Equal(reason, check.Reason);
    }

    [Fact]
    public void Calendly_WrongKeyOrTamperedBody_Fails()
    {
        var header = CalendlySignature.Sign(Body, CalendlyKey, Now);
        var tampered = Encoding.UTF8.GetBytes("""{"event":"invitee.created","payload":{"uri":"y"}}""");

        Assert.False(CalendlySignature.Verify(header, Body, CalendlyKey + "x", Now, TimeSpan.FromMinutes(3)).Valid);
        Assert.False(CalendlySignature.Verify(header, tampered, CalendlyKey, Now, TimeSpan.FromMinutes(3)).Valid);
        // Re-serialised JSON with other white space is other bytes: verification is on what was received.
        Assert.False(CalendlySignature.Verify(header, Encoding.UTF8.GetBytes("{ \"event\":\"invitee.created\",\"payload\":{\"uri\":\"x\"}}"), CalendlyKey, Now, TimeSpan.FromMinutes(3)).Valid);
    }

    [Fact]
    public void Calendly_OneOfSeveralV1Signatures_Passes()
    {
        var header = CalendlySignature.Sign(Body, CalendlyKey, Now);
        var withOld = header.Replace("v1=", "v1=" + new string('0', 64) + ",v1=", StringComparison.Ordinal);

        Assert.True(CalendlySignature.Verify(withOld, Body, CalendlyKey, Now, TimeSpan.FromMinutes(3)).Valid);
    }

    [Fact]
    public void CalCom_HexSignature_PassesInEitherCase()
    {
        var signature = CalComSignature.Sign(Body, CalComSecret);

        Assert.True(CalComSignature.Verify(signature, Body, CalComSecret).Valid);
        Assert.True(CalComSignature.Verify(signature.ToUpperInvariant(), Body, CalComSecret).Valid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("no-secret-provided")]
    [InlineData("zz")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public void CalCom_MissingNoSecretOrWrong_Fails(string? header)
        => Assert.False(CalComSignature.Verify(header, Body, CalComSecret).Valid);

    [Fact]
    public void Standard_ValidSignature_Passes()
    {
        var keys = StandardWebhookSignature.ParseSecrets(StandardSecret);
        var signature = StandardWebhookSignature.Sign("msg_1", Now, Body, StandardSecret);

        Assert.True(StandardWebhookSignature.Verify("msg_1", Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Body, keys, Now, TimeSpan.FromMinutes(5)).Valid);
    }

    [Fact]
    public void Standard_KeyRotation_AnyOfSeveralSignaturesOrSecretsPasses()
    {
        const string oldSecret = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC0xMjM0";
        var ts = Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signedWithNew = StandardWebhookSignature.Sign("msg_2", Now, Body, StandardSecret);
        var signedWithOld = StandardWebhookSignature.Sign("msg_2", Now, Body, oldSecret);

        // The sender rotates: two signatures, only one of which our (single) secret matches.
        Assert.True(StandardWebhookSignature.Verify("msg_2", ts, $"{signedWithOld} {signedWithNew}", Body, StandardWebhookSignature.ParseSecrets(StandardSecret), Now, TimeSpan.FromMinutes(5)).Valid);
        // We rotate: two secrets configured, the sender still signs with the old one.
        Assert.True(StandardWebhookSignature.Verify("msg_2", ts, signedWithOld, Body, StandardWebhookSignature.ParseSecrets($"{StandardSecret} {oldSecret}"), Now, TimeSpan.FromMinutes(5)).Valid);
        Assert.False(StandardWebhookSignature.Verify("msg_2", ts, signedWithOld, Body, StandardWebhookSignature.ParseSecrets(StandardSecret), Now, TimeSpan.FromMinutes(5)).Valid);
    }

    [Theory]
    [InlineData(-301, "timestamp too old")]
    [InlineData(301, "timestamp in the future")]
    public void Standard_TimestampOutsideFiveMinutes_Fails(int offsetSeconds, string reason)
    {
        var at = Now.AddSeconds(offsetSeconds);
        var signature = StandardWebhookSignature.Sign("msg_3", at, Body, StandardSecret);

        var check = StandardWebhookSignature.Verify("msg_3", at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Body, StandardWebhookSignature.ParseSecrets(StandardSecret), Now, TimeSpan.FromMinutes(5));

        Assert.Equal((false, reason), (check.Valid, check.Reason));
    }

    [Fact]
    public void Standard_SignatureBoundToItsIdAndTimestamp()
    {
        var ts = Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = StandardWebhookSignature.Sign("msg_4", Now, Body, StandardSecret);
        var keys = StandardWebhookSignature.ParseSecrets(StandardSecret);

        Assert.False(StandardWebhookSignature.Verify("msg_5", ts, signature, Body, keys, Now, TimeSpan.FromMinutes(5)).Valid);
        Assert.False(StandardWebhookSignature.Verify("msg_4", (Now.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), signature, Body, keys, Now, TimeSpan.FromMinutes(5)).Valid);
    }

    [Theory]
    [InlineData(null, "1", "v1,x")]
    [InlineData("id", null, "v1,x")]
    [InlineData("id", "1", null)]
    [InlineData("id", "1", "v2,abc")]
    [InlineData("id\nx", "1", "v1,abc")]
    public void Standard_MissingOrMalformedHeaders_Fail(string? id, string? ts, string? signature)
        => Assert.False(StandardWebhookSignature.Verify(id, ts, signature, Body, StandardWebhookSignature.ParseSecrets(StandardSecret), Now, TimeSpan.FromMinutes(5)).Valid);

    [Theory]
    [InlineData("whsec_not base64!!")]
    [InlineData("whsec_%%%")]
    public void Standard_MalformedSecret_ParsesToNothing(string secret)
        => Assert.Empty(StandardWebhookSignature.ParseSecrets(secret));
}
