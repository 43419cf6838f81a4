using System.Text.RegularExpressions;

namespace AgentDispatch.DevHost.Functions;

/// <summary>
/// <c>%NAME%</c> in trigger attributes (queue names, schedules), resolved from app settings as the
/// Functions host does when it indexes a function, with the host's wording when a setting is missing.
/// </summary>
public static partial class BindingExpressions
{
    /// <summary>Replaces every <c>%NAME%</c> in <paramref name="value"/> with <c>configuration["NAME"]</c>.</summary>
    /// <exception cref="InvalidOperationException">A setting is missing or empty.</exception>
    public static string Resolve(string functionName, string value, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(configuration);
        return Expression().Replace(value, match =>
        {
            var resolved = configuration[match.Groups["name"].Value];
            return string.IsNullOrEmpty(resolved)
                ? throw new InvalidOperationException($"Error indexing function '{functionName}': '{match.Value}' does not resolve to a value.")
                : resolved;
        });
    }

    [GeneratedRegex("%(?<name>[^%]+)%", RegexOptions.CultureInvariant)]
    private static partial Regex Expression();
}
