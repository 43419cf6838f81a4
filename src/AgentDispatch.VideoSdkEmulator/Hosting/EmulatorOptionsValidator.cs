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

        if (options.MaxDispatchRecords < 1)
        {
            failures.Add($"{section}:MaxDispatchRecords must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
