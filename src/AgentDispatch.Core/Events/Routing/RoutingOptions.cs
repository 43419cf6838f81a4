namespace AgentDispatch.Events.Routing;

/// <summary>
/// Settings under <c>Routing:</c>: ordered rules that decide which agent goes to which meeting, when
/// and with what variables. <c>Routing:Rules:N:...</c> in settings, then the rules of the JSON file
/// <c>Routing:RulesFile</c> (<c>{"Rules": [...]}</c>, same fields). The first rule that matches wins.
/// </summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    public List<RoutingRuleOptions> Rules { get; set; } = [];

    public string? RulesFile { get; set; }
}

/// <summary>One rule. Every criterion given must match; a criterion left out matches anything.</summary>
public sealed class RoutingRuleOptions
{
    public string? Name { get; set; }

    /// <summary>Comma-separated sources: <c>calendly</c>, <c>calcom</c>, <c>standard</c>, <c>calendar</c>, <c>microsoft365</c>.</summary>
    public string? Sources { get; set; }

    /// <summary>Comma-separated event type names (a Calendly event type, a Cal.com event type slug, a feed's or mailbox's name), any letter case.</summary>
    public string? EventTypes { get; set; }

    /// <summary>A regular expression the event type must match.</summary>
    public string? EventTypePattern { get; set; }

    /// <summary>A regular expression the meeting title must match.</summary>
    public string? TitlePattern { get; set; }

    /// <summary>Comma-separated e-mail domains the organizer's address must be in.</summary>
    public string? OrganizerDomains { get; set; }

    /// <summary>Comma-separated e-mail domains at least one attendee's address must be in.</summary>
    public string? AttendeeDomains { get; set; }

    public string? AgentId { get; set; }

    public string? VersionId { get; set; }

    /// <summary>Dispatch this long before the meeting starts (default: at the start).</summary>
    public TimeSpan? LeadTime { get; set; }

    /// <summary>The last moment a dispatch is useful, as an offset from the meeting's start (default: <c>Jobs:DefaultWindow</c> after the dispatch time).</summary>
    public TimeSpan? NotAfter { get; set; }

    /// <summary><c>metadata.variables</c>: name → template over the event (<c>{{attendee.name}}</c>, <c>{{meeting.title}}</c>, ...).</summary>
    public Dictionary<string, string> Variables { get; set; } = new(StringComparer.Ordinal);
}
