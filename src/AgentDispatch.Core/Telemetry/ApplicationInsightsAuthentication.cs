using AgentDispatch.Configuration;
using Azure.Core;

namespace AgentDispatch.Telemetry;

/// <summary>
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, as the Functions host reads it:
/// <c>Authorization=AAD</c>, with <c>ClientId=&lt;id&gt;</c> for a user-assigned identity. The
/// infrastructure turns local auth off on Application Insights, so without a Microsoft Entra token the
/// connection string alone sends nothing; the Azure Monitor exporter does not read this setting itself.
/// </summary>
public static class ApplicationInsightsAuthentication
{
    public const string Setting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>True when the setting asks for Microsoft Entra auth; <paramref name="clientId"/> is the identity's, or null for the system-assigned one.</summary>
    public static bool TryParse(string? text, out string? clientId)
    {
        clientId = null;
        var aad = false;
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, value) = part.IndexOf('=', StringComparison.Ordinal) is var at and > 0 ? (part[..at].Trim(), part[(at + 1)..].Trim()) : (part, "");
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                aad = value.Equals("AAD", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("ClientId", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                clientId = value;
            }
        }

        return aad;
    }

    /// <summary>The credential the exporter sends with, or null when the setting does not ask for one.</summary>
    public static TokenCredential? CreateCredential(string? text)
        => TryParse(text, out var clientId) ? AzureCredentials.Create(clientId) : null;
}
