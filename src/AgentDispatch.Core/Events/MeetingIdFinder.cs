using System.Text.RegularExpressions;
using AgentDispatch.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Events;

/// <summary>
/// Settings under <c>MeetingIds:</c>: where and how to find the VideoSDK meeting id in an event.
/// <c>MeetingIds:Pattern</c> and <c>MeetingIds:Fields</c> apply to every source;
/// <c>MeetingIds:&lt;Source&gt;:Pattern</c> / <c>:Fields</c> override them for one (Calendly, CalCom, Standard, Calendar).
/// </summary>
public sealed class MeetingIdOptions
{
    public const string Section = "MeetingIds";

    /// <summary>VideoSDK room ids look like <c>abcd-efgh-ijkl</c>: three groups of four letters or digits.</summary>
    public const string DefaultPattern = @"(?<![A-Za-z0-9-])(?<meetingId>[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})(?![A-Za-z0-9-])";

    public const string DefaultFields = "joinUrl,location,description";

    public string Pattern { get; set; } = DefaultPattern;

    public string Fields { get; set; } = DefaultFields;
}

/// <summary>Finds the VideoSDK meeting id in an event's fields, by a regular expression with a named group <c>meetingId</c>.</summary>
public sealed class MeetingIdFinder
{
    private static readonly string[] KnownFields = [MeetingEvent.Fields.JoinUrl, MeetingEvent.Fields.Location, MeetingEvent.Fields.Description, MeetingEvent.Fields.Answers];
    private readonly Dictionary<string, (Regex Pattern, string[] Fields)> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly (Regex Pattern, string[] Fields) _default;

    public MeetingIdFinder(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(MeetingIdOptions.Section);
        var defaults = section.Get<MeetingIdOptions>() ?? new MeetingIdOptions();
        _default = Compile(defaults.Pattern, defaults.Fields, MeetingIdOptions.Section);
        foreach (var source in section.GetChildren().Where(c => c.GetChildren().Any()))
        {
            _rules[source.Key] = Compile(source["Pattern"] ?? defaults.Pattern, source["Fields"] ?? defaults.Fields, $"{MeetingIdOptions.Section}:{source.Key}");
        }
    }

    /// <summary>The meeting id the event names, or null; and which field it was found in.</summary>
    /// <exception cref="RegexMatchTimeoutException">
    /// No field yielded an id and the pattern timed out on at least one: the event may well name a meeting,
    /// so "none found" would be a guess (and would cancel the meeting's job). The other fields are searched first.
    /// </exception>
    public (string? MeetingId, string? Field) Find(MeetingEvent meetingEvent)
    {
        ArgumentNullException.ThrowIfNull(meetingEvent);
        if (meetingEvent.MeetingId is { Length: > 0 } given)
        {
            // Named outright by the sender: used as it is if it is a valid id, never searched for elsewhere.
            return JsonFields.CheckId(given, "meetingId", new RequestErrors()) is not null ? (given, "meetingId") : (null, null);
        }

        var (pattern, fields) = _rules.TryGetValue(meetingEvent.Source, out var rule) ? rule : _default;
        RegexMatchTimeoutException? timedOut = null;
        foreach (var field in fields)
        {
            if (meetingEvent.Texts.TryGetValue(field, out var text) && !string.IsNullOrEmpty(text))
            {
                try
                {
                    var match = pattern.Match(text);
                    if (match.Success && match.Groups["meetingId"].Value is { Length: > 0 } id && JsonFields.CheckId(id, "meetingId", new RequestErrors()) is not null)
                    {
                        return (id, field);
                    }
                }
                catch (RegexMatchTimeoutException ex)
                {
                    // Untrusted text against a configured pattern: give up on this field rather than hang,
                    // and try the others; only if none has the id is the timeout the answer.
                    timedOut ??= ex;
                }
            }
        }

        if (timedOut is not null)
        {
            throw timedOut;
        }

        return (null, null);
    }

    /// <summary>Start-up check of the settings; the messages name each bad one.</summary>
    public static IEnumerable<string> Validate(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        try
        {
            _ = new MeetingIdFinder(configuration);
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }

        return errors;
    }

    private static (Regex, string[]) Compile(string pattern, string fields, string setting)
    {
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, EventLimits.PatternTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{setting}:Pattern is not a valid regular expression: {ex.Message}", ex);
        }

        if (!regex.GetGroupNames().Contains("meetingId"))
        {
            throw new ArgumentException($"{setting}:Pattern needs a named group (?<meetingId>...) around the id.");
        }

        var names = fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => !KnownFields.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"{setting}:Fields must list some of {string.Join(", ", KnownFields)}{(unknown.Count > 0 ? $"; unknown: {string.Join(", ", unknown)}" : "")}.");
        }

        return (regex, names.Select(n => KnownFields.First(k => k.Equals(n, StringComparison.OrdinalIgnoreCase))).ToArray());
    }
}
