using System.Diagnostics.CodeAnalysis;

namespace AgentDispatch.Confirmation;

/// <summary>
/// Tells the agent of a job among a room's participants by <see cref="ConfirmationOptions.AgentParticipant"/>.
/// A glob rather than a regular expression: the setting is typed by operators, and a glob cannot
/// backtrack for long on a hostile participant name.
/// </summary>
public sealed class AgentParticipantMatcher
{
    public const string DefaultPattern = "{agentId}";

    private const string AgentIdPlaceholder = "{agentId}";
    private const int MaxPatternLength = 512;

    private readonly string[] _patterns;

    private AgentParticipantMatcher(string[] patterns) => _patterns = patterns;

    public static bool TryCreate(string? setting, [NotNullWhen(true)] out AgentParticipantMatcher? matcher, [NotNullWhen(false)] out string? error)
    {
        matcher = null;
        if (string.IsNullOrWhiteSpace(setting) || setting.Length > MaxPatternLength)
        {
            error = $"must be one or more patterns separated by '|', at most {MaxPatternLength} characters in all.";
            return false;
        }

        var patterns = setting.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (patterns.Length == 0)
        {
            error = "must hold at least one pattern.";
            return false;
        }

        if (patterns.FirstOrDefault(p => p.Replace(AgentIdPlaceholder, "", StringComparison.Ordinal).Contains('{', StringComparison.Ordinal)) is { } bad)
        {
            error = $"'{bad}': the only placeholder is {AgentIdPlaceholder}.";
            return false;
        }

        matcher = new AgentParticipantMatcher(patterns);
        error = null;
        return true;
    }

    public static AgentParticipantMatcher Create(string setting)
        => TryCreate(setting, out var matcher, out var error) ? matcher : throw new ArgumentException($"Confirmation:AgentParticipant {error}", nameof(setting));

    /// <summary>True when the participant named <paramref name="name"/> with id <paramref name="participantId"/> is the agent <paramref name="agentId"/>.</summary>
    public bool IsAgent(string agentId, string? participantId, string? name)
    {
        ArgumentNullException.ThrowIfNull(agentId);
        foreach (var pattern in _patterns)
        {
            var expanded = pattern.Replace(AgentIdPlaceholder, agentId, StringComparison.Ordinal);
            if ((name is not null && Glob(expanded, name)) || (participantId is not null && Glob(expanded, participantId)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Glob match with <c>*</c>, ignoring case: the two-pointer walk with one back-up point, at worst pattern × text steps, never exponential.</summary>
    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t]))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
