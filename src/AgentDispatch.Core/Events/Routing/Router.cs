using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentDispatch.Configuration;
using AgentDispatch.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Events.Routing;

/// <summary>The decision for one event: which agent, when, with what metadata.</summary>
public sealed record Route(string RuleName, string AgentId, string? VersionId, TimeSpan LeadTime, TimeSpan? NotAfter, JsonElement? Metadata);

/// <summary>The routing rules, compiled once at start-up. First match wins.</summary>
public sealed class Router
{
    private readonly IReadOnlyList<CompiledRule> _rules;
    private readonly TimeSpan _routingTimeout;

    public Router(IOptions<RoutingOptions> options)
        : this(options, EventLimits.RoutingTimeout)
    {
    }

    /// <param name="routingTimeout">The time all patterns together may take on one event (tests shorten it).</param>
    internal Router(IOptions<RoutingOptions> options, TimeSpan routingTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        _routingTimeout = routingTimeout;
        _rules = Compile(options.Value, out var errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(RoutingOptions.Section, typeof(RoutingOptions), errors);
        }
    }

    public int Count => _rules.Count;

    /// <summary>The first rule matching <paramref name="meetingEvent"/>, rendered for it; null when none does.</summary>
    /// <exception cref="RegexMatchTimeoutException">
    /// A rule's pattern ran out of time on the event's text (<see cref="EventLimits.PatternTimeout"/>), or the
    /// patterns together ran out of the event's <see cref="EventLimits.RoutingTimeout"/>. Routing stops there:
    /// going on could hand the event to a broader rule further down that was never meant for it.
    /// </exception>
    public Route? Match(MeetingEvent meetingEvent, string meetingId) => Match(meetingEvent, meetingId, []);

    /// <summary>Compiles the rules, collecting an error per bad setting, each naming the setting.</summary>
    public static IReadOnlyList<CompiledRule> Compile(RoutingOptions options, out List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        errors = [];
        var rules = new List<CompiledRule>();
        var all = Entries(options, errors);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (rule, path) in all)
        {
            var name = rule.Name ?? path;
            if (!names.Add(name))
            {
                errors.Add($"{path}:Name '{name}' is used by more than one rule.");
            }

            if (CompiledRule.TryCompile(rule, name, FieldProblems.ForSettings(path, errors)) is { } compiled)
            {
                rules.Add(compiled);
            }
        }

        return rules;
    }

    /// <summary>The rules of the settings, in order: <c>Routing:Rules</c>, then those of <c>Routing:RulesFile</c>, each with the setting it is at.</summary>
    public static IReadOnlyList<(RoutingRuleOptions Rule, string Path)> Entries(RoutingOptions options, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        var all = options.Rules.Select((r, i) => (Rule: r, Path: $"Routing:Rules:{i}")).ToList();
        if (options.RulesFile is { Length: > 0 } file)
        {
            try
            {
                var fromFile = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false).Build().Get<RoutingOptions>()?.Rules ?? [];
                all.AddRange(fromFile.Select((r, i) => (Rule: r, Path: $"Routing:RulesFile ({Path.GetFileName(file)}) Rules:{i}")));
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or InvalidOperationException or UnauthorizedAccessException)
            {
                errors.Add($"Routing:RulesFile could not be read: {ex.Message}");
            }
        }

        return all;
    }

    /// <summary>
    /// The first rule matching <paramref name="meetingEvent"/>: the settings' rules first, then
    /// <paramref name="more"/> (the rules added through the API), in order.
    /// </summary>
    /// <exception cref="RegexMatchTimeoutException">As for <see cref="Match(MeetingEvent, string)"/>.</exception>
    public Route? Match(MeetingEvent meetingEvent, string meetingId, IReadOnlyList<CompiledRule> more)
    {
        ArgumentNullException.ThrowIfNull(meetingEvent);
        ArgumentNullException.ThrowIfNull(more);
        var budget = new RoutingBudget(_routingTimeout);
        return _rules.Concat(more).FirstOrDefault(rule => rule.Matches(meetingEvent, budget))?.Render(meetingEvent, meetingId);
    }

    /// <summary>
    /// The time left for one event's patterns. Each pattern has its own limit, but a hundred rules each
    /// just under it would still hold a delivery for many seconds: checked after every pattern.
    /// </summary>
    internal sealed class RoutingBudget(TimeSpan limit)
    {
        private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();

        public void Spend(Regex pattern, string text)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(_start) >= limit)
            {
                throw new RegexMatchTimeoutException(text.Length > 64 ? text[..64] : text, pattern.ToString(), limit);
            }
        }
    }

    /// <summary>One rule ready to match: sets for names, regular expressions with a time limit for untrusted text.</summary>
    public sealed class CompiledRule
    {
        private static readonly string[] KnownSources = ["calendly", "calcom", "standard", "calendar", "microsoft365"];
        private readonly HashSet<string>? _sources;
        private readonly HashSet<string>? _eventTypes;
        private readonly Regex? _eventTypePattern;
        private readonly Regex? _titlePattern;
        private readonly HashSet<string>? _organizerDomains;
        private readonly HashSet<string>? _attendeeDomains;
        private readonly (string Name, EventTemplate Template)[] _variables;
        private readonly string _name;
        private readonly string _agentId;
        private readonly string? _versionId;
        private readonly TimeSpan _leadTime;
        private readonly TimeSpan? _notAfter;

        private CompiledRule(RoutingRuleOptions rule, string name, string agentId, Regex? eventTypePattern, Regex? titlePattern, (string, EventTemplate)[] variables)
        {
            _name = name;
            _agentId = agentId;
            _versionId = rule.VersionId;
            _leadTime = rule.LeadTime ?? TimeSpan.Zero;
            _notAfter = rule.NotAfter;
            _sources = Set(rule.Sources);
            _eventTypes = Set(rule.EventTypes);
            _organizerDomains = Set(rule.OrganizerDomains);
            _attendeeDomains = Set(rule.AttendeeDomains);
            _eventTypePattern = eventTypePattern;
            _titlePattern = titlePattern;
            _variables = variables;
        }

        /// <summary>
        /// The checks of one rule, wherever it is defined: app settings at start-up, or the body of
        /// <c>POST /api/rules</c>. Null when anything is wrong, each problem reported to <paramref name="problems"/>.
        /// </summary>
        public static CompiledRule? TryCompile(RoutingRuleOptions rule, string name, FieldProblems problems)
        {
            ArgumentNullException.ThrowIfNull(rule);
            ArgumentNullException.ThrowIfNull(problems);
            var before = problems.Count;
            var checks = new RequestErrors();
            var agentId = rule.AgentId is null ? null : JsonFields.CheckId(rule.AgentId, "AgentId", checks);
            if (rule.AgentId is null)
            {
                problems.Add("AgentId", "is required: the agent this rule dispatches.");
            }

            if (rule.VersionId is not null)
            {
                JsonFields.CheckId(rule.VersionId, "VersionId", checks);
            }

            problems.AddAll(checks);
            foreach (var source in Set(rule.Sources) ?? [])
            {
                if (!KnownSources.Contains(source, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add("Sources", $"has '{source}'; known sources are {string.Join(", ", KnownSources)}.");
                }
            }

            var eventTypePattern = Pattern(rule.EventTypePattern, "EventTypePattern", problems);
            var titlePattern = Pattern(rule.TitlePattern, "TitlePattern", problems);
            if (rule.LeadTime is { } lead && (lead < TimeSpan.Zero || lead > TimeSpan.FromDays(1)))
            {
                problems.Add("LeadTime", "must be between 00:00:00 and 1.00:00:00.");
            }

            // Only a lead time in range is negated: -TimeSpan.MinValue overflows.
            var validLead = rule.LeadTime is { } given && given >= TimeSpan.Zero && given <= TimeSpan.FromDays(1) ? given : TimeSpan.Zero;
            if (rule.NotAfter is { } notAfter && notAfter <= -validLead)
            {
                problems.Add("NotAfter", "must end the window after the dispatch time (start - LeadTime).");
            }

            var variables = new List<(string, EventTemplate)>();
            foreach (var (variable, template) in rule.Variables)
            {
                try
                {
                    variables.Add((variable, EventTemplate.Parse(template)));
                }
                catch (FormatException ex)
                {
                    problems.Add($"Variables:{variable}", $"has an {ex.Message}");
                }
            }

            return problems.Count == before && agentId is not null
                ? new CompiledRule(rule, name, agentId, eventTypePattern, titlePattern, [.. variables])
                : null;
        }

        /// <summary>The rule's name, as routes and logs give it.</summary>
        public string Name => _name;

        public bool Matches(MeetingEvent e) => Matches(e, null);

        internal bool Matches(MeetingEvent e, RoutingBudget? budget)
        {
            ArgumentNullException.ThrowIfNull(e);
            return (_sources is null || _sources.Contains(e.Source))
                   && (_eventTypes is null || (e.EventType is { } type && _eventTypes.Contains(type)))
                   && (_eventTypePattern is null || SafeMatch(_eventTypePattern, e.EventType, budget))
                   && (_titlePattern is null || SafeMatch(_titlePattern, e.Title, budget))
                   && (_organizerDomains is null || (e.Organizer?.Domain is { } domain && _organizerDomains.Contains(domain)))
                   && (_attendeeDomains is null || e.Attendees.Any(a => a.Domain is { } d && _attendeeDomains.Contains(d)));
        }

        public Route Render(MeetingEvent e, string meetingId)
        {
            JsonElement? metadata = null;
            if (_variables.Length > 0)
            {
                // Each value is cut to MaxVariableLength; if all of them still make more metadata than the
                // API accepts (and VideoSDK and a table row take), the values are cut shorter until it fits.
                for (var maxLength = EventLimits.MaxVariableLength; ; maxLength /= 2)
                {
                    var variables = new JsonArray();
                    foreach (var (name, template) in _variables)
                    {
                        variables.Add(new JsonObject { ["name"] = name, ["value"] = template.Render(e, meetingId, maxLength) });
                    }

                    var bytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["variables"] = variables }, EventsJsonContext.Default.JsonObject);
                    if (bytes.Length <= DispatchRequestParser.MaxMetadataBytes || maxLength == 0)
                    {
                        using var document = JsonDocument.Parse(bytes);
                        metadata = document.RootElement.Clone();
                        break;
                    }
                }
            }

            return new Route(_name, _agentId, _versionId, _leadTime, _notAfter, metadata);
        }

        private static HashSet<string>? Set(string? list)
            => string.IsNullOrWhiteSpace(list)
                ? null
                : new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);

        private static Regex? Pattern(string? pattern, string setting, FieldProblems problems)
        {
            if (string.IsNullOrEmpty(pattern))
            {
                return null;
            }

            try
            {
                return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, EventLimits.PatternTimeout);
            }
            catch (ArgumentException ex)
            {
                problems.Add(setting, $"is not a valid regular expression: {ex.Message}");
                return null;
            }
        }

        // Patterns carry a time limit (see Pattern): on untrusted text they throw rather than hang.
        private static bool SafeMatch(Regex pattern, string? text, RoutingBudget? budget)
        {
            if (text is null)
            {
                return false;
            }

            var matched = pattern.IsMatch(text);
            budget?.Spend(pattern, text);
            return matched;
        }
    }
}

/// <summary>Start-up validation of the routing rules: the same compile the router does, so every bad setting is named before the first event.</summary>
internal sealed class RoutingOptionsValidator(IConfiguration configuration) : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        Router.Compile(options, out var errors);
        errors.AddRange(MeetingIdFinder.Validate(configuration));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
