using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Configuration;

internal static class SettingChecks
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <summary>
    /// App Service hands an unresolvable Key Vault reference to the app as its literal text. Said
    /// plainly here, instead of failing later as a bad token.
    /// </summary>
    public static void RejectUnresolvedReference(List<string> failures, string setting, string? value)
    {
        if (IsUnresolvedReference(value))
        {
            failures.Add($"{setting} {UnresolvedReference}");
        }
    }

    /// <summary>The same check for one source's setting; only settings can hold a reference (see <see cref="FieldProblems.FromSettings"/>).</summary>
    public static void RejectUnresolvedReference(FieldProblems problems, string setting, string? value)
    {
        if (problems.FromSettings && IsUnresolvedReference(value))
        {
            problems.Add(setting, UnresolvedReference);
        }
    }

    /// <summary>True for a settings value App Service could not resolve; the API never treats a value as one.</summary>
    public static bool IsReference(FieldProblems problems, string? value) => problems.FromSettings && IsUnresolvedReference(value);

    private static bool IsUnresolvedReference(string? value)
        => value is not null && value.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase);

    private const string UnresolvedReference =
        "holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the Function App could not "
        + "read the secret. Check the reference and that the app's identity has the Key Vault Secrets User role.";
}
