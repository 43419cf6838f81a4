using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AgentDispatch.VideoSdkEmulator.Hosting;

internal sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    // JsonWebTokenHandler refuses HS256 keys shorter than 256 bits (IDX10720), which would turn
    // every request into a puzzling 401; say so at start-up instead.
    private const int MinimumSecretBytes = 32;

    public static EmulatorOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = EmulatorOptions.Section;

        var hasKey = !string.IsNullOrEmpty(options.ApiKey);
        var hasSecret = !string.IsNullOrEmpty(options.ApiSecret);
        if (hasKey != hasSecret)
        {
            failures.Add($"{section}:{(hasKey ? "ApiSecret" : "ApiKey")} is missing: set both {section}:ApiKey and {section}:ApiSecret to require signed tokens, or neither.");
        }

        if (options.ApiKey?.StartsWith(KeyVaultReferencePrefix, StringComparison.Ordinal) == true)
        {
            failures.Add($"{section}:ApiKey is an unresolved Key Vault reference.");
        }

        if (options.ApiSecret?.StartsWith(KeyVaultReferencePrefix, StringComparison.Ordinal) == true)
        {
            failures.Add($"{section}:ApiSecret is an unresolved Key Vault reference.");
        }
        else if (hasSecret && Encoding.UTF8.GetByteCount(options.ApiSecret!) < MinimumSecretBytes)
        {
            failures.Add($"{section}:ApiSecret must be at least {MinimumSecretBytes} bytes: HS256 keys shorter than 256 bits are rejected.");
        }

        if (options.JobDuration < TimeSpan.Zero)
        {
            failures.Add($"{section}:JobDuration must not be negative.");
        }

        if (options.Latency < TimeSpan.Zero)
        {
            failures.Add($"{section}:Latency must not be negative.");
        }

        if (options.JoinDelay < TimeSpan.Zero)
        {
            failures.Add($"{section}:JoinDelay must not be negative.");
        }

        if (options.AgentStay < TimeSpan.Zero)
        {
            failures.Add($"{section}:AgentStay must not be negative.");
        }

        if (options.WebhookUrl is { } url && !IsHttpUrl(url))
        {
            failures.Add($"{section}:WebhookUrl must be an absolute http or https URL.");
        }

        if (options.WebhookPrivateKeyPem is { } pem)
        {
            if (pem.StartsWith(KeyVaultReferencePrefix, StringComparison.Ordinal))
            {
                failures.Add($"{section}:WebhookPrivateKeyPem is an unresolved Key Vault reference.");
            }
            else if (!IsRsaPrivateKeyPem(pem))
            {
                failures.Add($"{section}:WebhookPrivateKeyPem is not an RSA private key in PEM form.");
            }
        }

        if (options.MaxDispatchRecords < 1)
        {
            failures.Add($"{section}:MaxDispatchRecords must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    // Importing is quick (unlike generating), so a bad key stops start-up rather than the first webhook.
    private static bool IsRsaPrivateKeyPem(string pem)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            rsa.ExportParameters(includePrivateParameters: true);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    public static void ThrowIfInvalid(EmulatorOptions options)
    {
        var result = Instance.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EmulatorOptions), result.Failures);
        }
    }
}
