using AgentDispatch.Calendars;
using AgentDispatch.Events.Routing;
using AgentDispatch.Schedules;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

/// <summary>The calendars, schedules and rules defined in app settings: listed by the API, read-only there.</summary>
public sealed class SettingsSources(IOptions<CalendarOptions> calendars, ScheduleRunner schedules, IOptions<RoutingOptions> routing, IOptions<Microsoft365.Microsoft365Options> microsoft365)
{
    private readonly Lazy<IReadOnlyList<(RoutingRuleOptions Rule, string Path)>> _rules = new(() => Router.Entries(routing.Value, []));

    public IReadOnlyList<CalendarFeedOptions> Calendars => calendars.Value.Feeds;

    /// <summary>The Microsoft 365 mailboxes of the settings: calendars too, with <c>"source": "microsoft365"</c>.</summary>
    public IReadOnlyList<Microsoft365.MailboxOptions> Mailboxes => microsoft365.Value.Mailboxes;

    public IReadOnlyList<Schedule> Schedules => schedules.Schedules;

    /// <summary>Each rule with its name: its <c>Name</c>, or where it is configured when it has none.</summary>
    public IEnumerable<(string Name, RoutingRuleOptions Rule)> Rules => _rules.Value.Select(r => (r.Rule.Name ?? r.Path, r.Rule));

    /// <summary>Where sources of <paramref name="kind"/> are defined in settings, for messages.</summary>
    public static string SettingOf(SourceKind kind) => kind switch
    {
        SourceKind.Calendar => "Calendars:Feeds or Microsoft365:Mailboxes",
        SourceKind.Schedule => "Schedules",
        _ => "Routing:Rules or Routing:RulesFile",
    };

    public bool Defines(SourceKind kind, string name) => kind switch
    {
        SourceKind.Calendar => Calendars.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                               || Mailboxes.Any(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)),
        SourceKind.Schedule => Schedules.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)),
        _ => Rules.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)),
    };
}
