using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using AgentDispatch.Events.Routing;
using AgentDispatch.Requests;
using AgentDispatch.Schedules;

namespace AgentDispatch.Sources;

/// <summary>A calendar as the API defines it: which kind it is, and its feed (<c>ical</c>) or its mailbox (<c>microsoft365</c>).</summary>
public sealed record CalendarDefinition(CalendarFeedOptions Feed, string Source, Microsoft365.MailboxDefinition? Mailbox = null);

/// <summary>
/// Reads a source's fields from JSON (a request body, or a row of the table) into the very objects the
/// settings bind to, and checks them with the settings' own checks: the same fields, the same rules and
/// the same messages, named by JSON field instead of by setting.
/// </summary>
public static class SourceDefinitions
{
    public const string IcalSource = "ical";
    public const string Microsoft365Source = "microsoft365";

    public static readonly IReadOnlyList<string> CalendarFields = ["name", "source", "url", "urlSecretName", "mailbox", "agentId"];

    private static readonly string[] FeedOnlyFields = ["url", "urlSecretName"];

    private static readonly string[] MailboxOnlyFields = ["mailbox", "agentId"];

    public static readonly IReadOnlyList<string> ScheduleFields = ["name", "cron", "timeZone", "meetingId", "agentId", "versionId", "metadata", "window"];

    public static readonly IReadOnlyList<string> RuleFields =
        ["name", "sources", "eventTypes", "eventTypePattern", "titlePattern", "organizerDomains", "attendeeDomains", "agentId", "versionId", "leadTime", "notAfter", "variables"];

    public static IReadOnlyList<string> FieldsOf(SourceKind kind) => kind switch
    {
        SourceKind.Calendar => CalendarFields,
        SourceKind.Schedule => ScheduleFields,
        _ => RuleFields,
    };

    /// <summary>Names in URLs (<c>/api/calendars/{name}</c>) and job keys: the settings' rule for feed names.</summary>
    public static bool IsValidName(string? name) => CalendarOptionsValidator.IsValidName(name);

    public static CalendarDefinition? ReadCalendar(JsonObject spec, bool vaultConfigured, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(errors);
        RejectUnknown(spec, CalendarFields, errors);
        var feed = new CalendarFeedOptions
        {
            Name = Text(spec, "name", errors) ?? "",
            Url = Text(spec, "url", errors),
            UrlSecretName = Text(spec, "urlSecretName", errors),
        };
        var source = Text(spec, "source", errors) ?? IcalSource;
        var mailbox = new Microsoft365.MailboxOptions { Name = feed.Name, Mailbox = Text(spec, "mailbox", errors) ?? "", AgentId = Text(spec, "agentId", errors) };
        if (!spec.ContainsKey("name"))
        {
            errors.Add("name", "is required.");
        }

        switch (source)
        {
            case IcalSource:
                foreach (var field in MailboxOnlyFields.Where(spec.ContainsKey))
                {
                    errors.Add(field, $"is for a Microsoft 365 calendar (\"source\": \"{Microsoft365Source}\"); an iCalendar calendar has a url or urlSecretName.");
                }

                CalendarOptionsValidator.CheckFeed(feed, vaultConfigured, FieldProblems.ForRequest(errors, "url"));
                return errors.Any ? null : new CalendarDefinition(feed, source);
            case Microsoft365Source:
                foreach (var field in FeedOnlyFields.Where(spec.ContainsKey))
                {
                    errors.Add(field, $"is for an iCalendar calendar (\"source\": \"{IcalSource}\"); a Microsoft 365 calendar names its mailbox.");
                }

                // The settings' checks of Microsoft365:Mailboxes, named by field.
                Microsoft365.Microsoft365OptionsValidator.CheckMailbox(mailbox, FieldProblems.ForRequest(errors, "mailbox"));
                return errors.Any ? null : new CalendarDefinition(feed, source, new Microsoft365.MailboxDefinition(mailbox.Name, mailbox.Mailbox.Trim(), string.IsNullOrWhiteSpace(mailbox.AgentId) ? null : mailbox.AgentId));
            default:
                errors.Add("source", $"must be '{IcalSource}' (an iCalendar feed URL, the default) or '{Microsoft365Source}' (a Microsoft 365 mailbox).");
                return null;
        }
    }

    public static Schedule? ReadSchedule(JsonObject spec, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(errors);
        RejectUnknown(spec, ScheduleFields, errors);
        var name = Text(spec, "name", errors);
        if (!spec.ContainsKey("name"))
        {
            errors.Add("name", "is required.");
        }

        var entry = new ScheduleSettings
        {
            Key = name ?? "",
            Name = name ?? "",
            Path = $"/api/schedules/{name}",
            Cron = Text(spec, "cron", errors),
            TimeZone = Text(spec, "timeZone", errors),
            MeetingId = Text(spec, "meetingId", errors),
            AgentId = Text(spec, "agentId", errors),
            VersionId = Text(spec, "versionId", errors),
            // Settings hold metadata as JSON text; the API takes the object itself (or that text).
            Metadata = spec["metadata"] switch
            {
                null => null,
                JsonObject metadata => metadata.ToJsonString(),
                _ => Text(spec, "metadata", errors),
            },
            Window = Text(spec, "window", errors),
        };
        var schedule = ScheduleParser.Parse(entry, FieldProblems.ForRequest(errors, "body"));
        return errors.Any ? null : schedule;
    }

    public static Router.CompiledRule? ReadRule(JsonObject spec, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(errors);
        RejectUnknown(spec, RuleFields, errors);
        var name = Text(spec, "name", errors);
        if (name is null)
        {
            errors.Add("name", "is required.");
        }
        else if (!IsValidName(name))
        {
            errors.Add("name", $"must be 1-{CalendarOptionsValidator.MaxNameLength} letters, digits, '-' or '_' (it names the rule in /api/rules/{{name}}).");
        }

        var rule = new RoutingRuleOptions
        {
            Name = name,
            Sources = List(spec, "sources", errors),
            EventTypes = List(spec, "eventTypes", errors),
            EventTypePattern = Text(spec, "eventTypePattern", errors),
            TitlePattern = Text(spec, "titlePattern", errors),
            OrganizerDomains = List(spec, "organizerDomains", errors),
            AttendeeDomains = List(spec, "attendeeDomains", errors),
            AgentId = Text(spec, "agentId", errors),
            VersionId = Text(spec, "versionId", errors),
            LeadTime = Span(spec, "leadTime", errors),
            NotAfter = Span(spec, "notAfter", errors),
        };
        switch (spec["variables"])
        {
            case null:
                break;
            case JsonObject variables:
                foreach (var (variable, template) in variables)
                {
                    if (template is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    {
                        rule.Variables[variable] = value.GetValue<string>();
                    }
                    else
                    {
                        errors.Add($"variables.{variable}", $"must be a string (a template such as '{{{{attendee.name}}}}'), not {JsonFields.Kind(template?.GetValueKind() ?? JsonValueKind.Null)}.");
                    }
                }

                break;
            default:
                errors.Add("variables", $"must be an object of name → template, not {JsonFields.Kind(spec["variables"]!.GetValueKind())}.");
                break;
        }

        var compiled = Router.CompiledRule.TryCompile(rule, name ?? "", FieldProblems.ForRequest(errors, "body"));
        return errors.Any ? null : compiled;
    }

    /// <summary>Reports each field of <paramref name="spec"/> that <paramref name="known"/> does not list.</summary>
    private static void RejectUnknown(JsonObject spec, IReadOnlyList<string> known, RequestErrors errors)
    {
        foreach (var (field, _) in spec)
        {
            if (!known.Contains(field, StringComparer.Ordinal))
            {
                JsonFields.RejectUnknown(field, [.. known], errors);
            }
        }
    }

    /// <summary>A string field; absent or null is unset.</summary>
    private static string? Text(JsonObject spec, string field, RequestErrors errors)
    {
        var node = spec[field];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }

        errors.Add(field, $"must be a string, not {JsonFields.Kind(node.GetValueKind())}.");
        return null;
    }

    /// <summary>A list as the settings write it (<c>"calendar,calendly"</c>), or as a JSON array of strings.</summary>
    private static string? List(JsonObject spec, string field, RequestErrors errors)
    {
        if (spec[field] is not JsonArray array)
        {
            return Text(spec, field, errors);
        }

        var items = new List<string>();
        foreach (var item in array)
        {
            if (item is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                items.Add(value.GetValue<string>());
            }
            else
            {
                errors.Add(field, $"must be a string or an array of strings; it has {JsonFields.Kind(item?.GetValueKind() ?? JsonValueKind.Null)}.");
                return null;
            }
        }

        return string.Join(',', items);
    }

    /// <summary>A time span as the settings write it (<c>00:05:00</c>).</summary>
    private static TimeSpan? Span(JsonObject spec, string field, RequestErrors errors)
    {
        if (Text(spec, field, errors) is not { } text)
        {
            return null;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        errors.Add(field, "must be a time span such as 00:05:00.");
        return null;
    }
}
