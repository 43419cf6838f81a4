using Microsoft.Extensions.Options;

namespace AgentDispatch.Webhooks;

/// <summary>The webhook senders this app verifies.</summary>
public enum WebhookProvider
{
    Calendly,
    CalCom,
    Standard,
}

/// <summary>Settings under <c>Webhooks:&lt;Provider&gt;:</c> (<c>Calendly</c>, <c>CalCom</c>, <c>Standard</c>).</summary>
public sealed class WebhookProviderOptions
{
    /// <summary>The signing secret in plain settings: local development. With a vault, leave it unset.</summary>
    public string? Secret { get; set; }

    /// <summary>The Key Vault secret holding the signing secret (read when <c>KeyVault:VaultUri</c> is set).</summary>
    public string? SecretName { get; set; }

    /// <summary>How far a signed timestamp may be from now, either way (Calendly, Standard Webhooks).</summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Settings under <c>Webhooks:VideoSdk:</c>: VideoSDK signs with its RSA key, not a shared secret.</summary>
public sealed class VideoSdkWebhookOptions
{
    /// <summary>VideoSDK's public key (PEM). Unset: read once from <c>{VideoSdk:BaseUrl}/v2/public/rsa-public-key</c> and cached.</summary>
    public string? PublicKey { get; set; }
}

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    public VideoSdkWebhookOptions VideoSdk { get; set; } = new();

    public WebhookProviderOptions Calendly { get; set; } = new() { SecretName = "calendly-signing-key", Tolerance = TimeSpan.FromMinutes(3) };

    public WebhookProviderOptions CalCom { get; set; } = new() { SecretName = "calcom-webhook-secret" };

    public WebhookProviderOptions Standard { get; set; } = new() { SecretName = "standard-webhook-secret" };

    public WebhookProviderOptions For(WebhookProvider provider) => provider switch
    {
        WebhookProvider.Calendly => Calendly,
        WebhookProvider.CalCom => CalCom,
        _ => Standard,
    };

    public static string SettingPrefix(WebhookProvider provider) => $"{Section}:{provider}";
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        foreach (var provider in Enum.GetValues<WebhookProvider>())
        {
            var o = options.For(provider);
            var prefix = WebhookOptions.SettingPrefix(provider);
            Configuration.SettingChecks.RejectUnresolvedReference(failures, $"{prefix}:Secret", o.Secret);
            Configuration.SettingChecks.RejectUnresolvedReference(failures, $"{prefix}:SecretName", o.SecretName);
            if (o.Tolerance < TimeSpan.FromSeconds(30) || o.Tolerance > TimeSpan.FromMinutes(15))
            {
                failures.Add($"{prefix}:Tolerance must be between 00:00:30 and 00:15:00.");
            }

            if (provider == WebhookProvider.Standard && o.Secret is { } secret && Standard.StandardWebhookSignature.ParseSecrets(secret).Count == 0)
            {
                failures.Add($"{prefix}:Secret must be one or more whsec_<base64> secrets separated by spaces.");
            }
        }

        if (options.VideoSdk.PublicKey is { } pem && !Confirmation.VideoSdkWebhookKey.TryParse(pem, out _))
        {
            failures.Add($"{WebhookOptions.Section}:VideoSdk:PublicKey must be an RSA public key in PEM (-----BEGIN PUBLIC KEY-----).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
