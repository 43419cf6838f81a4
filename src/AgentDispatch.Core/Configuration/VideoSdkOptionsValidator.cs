using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Configuration;

/// <summary>
/// Start-up checks that name the setting to fix. Runs through <c>ValidateOnStart</c>, so a bad
/// setting stops the app before it takes a request instead of failing the first dispatch.
/// </summary>
internal sealed class VideoSdkOptionsValidator(IConfiguration configuration) : IValidateOptions<VideoSdkOptions>
{
    public ValidateOptionsResult Validate(string? name, VideoSdkOptions options)
    {
        var failures = new List<string>();
        // Whether a vault is configured, read as text: a bad vault URI is KeyVaultOptionsValidator's to report.
        var vaultConfigured = !string.IsNullOrWhiteSpace(configuration[$"{KeyVaultOptions.Section}:{nameof(KeyVaultOptions.VaultUri)}"]);

        SettingChecks.RejectUnresolvedReference(failures, "VideoSdk:AuthToken", options.AuthToken);
        SettingChecks.RejectUnresolvedReference(failures, "VideoSdk:TokenSecretName", options.TokenSecretName);
        SettingChecks.RejectUnresolvedReference(failures, "VideoSdk:ApiKeySecretName", options.ApiKeySecretName);
        SettingChecks.RejectUnresolvedReference(failures, "VideoSdk:ApiSecretSecretName", options.ApiSecretSecretName);

        if (!options.BaseUrl.IsAbsoluteUri || options.BaseUrl.Scheme is not ("https" or "http"))
        {
            failures.Add("VideoSdk:BaseUrl must be an absolute http(s) URL.");
        }
        else if (options.BaseUrl.Scheme == "http" && !options.BaseUrl.IsLoopback)
        {
            failures.Add("VideoSdk:BaseUrl must use https: the auth token would cross the network in clear text (plain http is for a local emulator on loopback only).");
        }

        if (options.AuthToken is { Length: > 0 } token && !token.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase)
            && !token.Trim().All(c => c is > ' ' and < (char)127))
        {
            failures.Add("VideoSdk:AuthToken has characters that cannot go in an HTTP header (spaces, line breaks or non-ASCII).");
        }

        if (!vaultConfigured && string.IsNullOrWhiteSpace(options.AuthToken))
        {
            failures.Add(
                "No VideoSDK token source is configured: set KeyVault:VaultUri (the token, or the API key and secret, "
                + "are read from Key Vault) or VideoSdk:AuthToken (a token in plain settings, for local development).");
        }

        if (vaultConfigured)
        {
            if (options.MintsTokens && string.IsNullOrWhiteSpace(options.ApiKeySecretName))
            {
                failures.Add("VideoSdk:ApiKeySecretName is required with VideoSdk:ApiSecretSecretName: both name the Key Vault secrets a token is minted from.");
            }

            if (options.MintsTokens && string.IsNullOrWhiteSpace(options.ApiSecretSecretName))
            {
                failures.Add("VideoSdk:ApiSecretSecretName is required with VideoSdk:ApiKeySecretName: both name the Key Vault secrets a token is minted from.");
            }

            if (!options.MintsTokens && string.IsNullOrWhiteSpace(options.TokenSecretName))
            {
                failures.Add("VideoSdk:TokenSecretName must name the Key Vault secret that holds the VideoSDK token.");
            }
        }

        if (options.TokenLifetime < TimeSpan.FromMinutes(2) || options.TokenLifetime > TimeSpan.FromHours(1))
        {
            failures.Add("VideoSdk:TokenLifetime must be between 00:02:00 and 01:00:00.");
        }

        if (options.AttemptTimeout <= TimeSpan.Zero || options.TotalTimeout < options.AttemptTimeout)
        {
            failures.Add("VideoSdk:AttemptTimeout must be positive and no longer than VideoSdk:TotalTimeout.");
        }

        if (options.EffectiveConnectTimeout <= TimeSpan.Zero || options.EffectiveConnectTimeout >= options.AttemptTimeout)
        {
            failures.Add("VideoSdk:ConnectTimeout must be positive and shorter than VideoSdk:AttemptTimeout.");
        }

        if (options.MaxRetries is < 0 or > 5)
        {
            failures.Add("VideoSdk:MaxRetries must be between 0 and 5.");
        }
        else if (options.TotalTimeout < options.RetryBudget)
        {
            failures.Add(
                $"VideoSdk:TotalTimeout ({options.TotalTimeout:c}) must be at least (MaxRetries + 1) x AttemptTimeout + MaxRetries x MaxRetryAfter "
                + $"({options.RetryBudget:c}), so it never cuts a call off between attempts.");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero)
        {
            failures.Add("VideoSdk:MaxRetryAfter must not be negative.");
        }

        if (options.RateLimit is not { } limit || double.IsNaN(limit.RequestsPerSecond) || limit.RequestsPerSecond is < 0 or > 10_000 || (limit.RequestsPerSecond > 0 && limit.RequestsPerSecond < 0.01))
        {
            failures.Add("VideoSdk:RateLimit:RequestsPerSecond must be 0 (no limit) or between 0.01 and 10000.");
        }
        else if (limit.Burst is < 0 or > 100_000)
        {
            failures.Add("VideoSdk:RateLimit:Burst must be between 0 (one second's worth) and 100000.");
        }
        else if (limit.MaxWait < TimeSpan.Zero || limit.MaxWait > TimeSpan.FromSeconds(30))
        {
            failures.Add("VideoSdk:RateLimit:MaxWait must be between 00:00:00 and 00:00:30.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
