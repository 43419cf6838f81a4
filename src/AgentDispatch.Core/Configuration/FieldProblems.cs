using AgentDispatch.Requests;

namespace AgentDispatch.Configuration;

/// <summary>
/// Where the checks of one source (a calendar feed, a schedule, a routing rule) report what is wrong.
/// In app settings each problem is named by its full setting (<c>Schedules:0:Cron</c>) and becomes one
/// start-up failure; through the API it is named by its JSON field (<c>cron</c>) in a 400 problem. The
/// message after the name is the same text either way, because both paths run the same checks.
/// </summary>
public sealed class FieldProblems
{
    private readonly Func<string?, string> _name;
    private readonly Action<string, string> _add;

    private FieldProblems(Func<string?, string> name, Action<string, string> add, bool fromSettings)
    {
        _name = name;
        _add = add;
        FromSettings = fromSettings;
    }

    /// <summary>
    /// True for app settings. Only there can a value be an unresolved Key Vault reference (App Service
    /// resolves them; the API stores what it is given), so only there is that checked.
    /// </summary>
    public bool FromSettings { get; }

    /// <summary>How many problems were reported so far.</summary>
    public int Count { get; private set; }

    /// <summary>Problems of the settings entry at <paramref name="path"/> (<c>Calendars:Feeds:0</c>), each a line in <paramref name="failures"/>.</summary>
    public static FieldProblems ForSettings(string path, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return new FieldProblems(setting => setting is null ? path : $"{path}:{setting}", (name, message) => failures.Add($"{name} {message}"), fromSettings: true);
    }

    /// <summary>
    /// Problems of a request body, by JSON field: <c>Cron</c> is <c>cron</c>, <c>Variables:team</c> is
    /// <c>variables.team</c>; a problem of the whole entry is reported on <paramref name="entryField"/>.
    /// </summary>
    public static FieldProblems ForRequest(RequestErrors errors, string entryField)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new FieldProblems(setting => setting is null ? entryField : JsonName(setting), errors.Add, fromSettings: false);
    }

    /// <summary>The JSON field of a setting's name: the first segment camel-cased, segments joined by dots.</summary>
    public static string JsonName(string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var parts = setting.Split(':');
        parts[0] = parts[0].Length == 0 ? parts[0] : char.ToLowerInvariant(parts[0][0]) + parts[0][1..];
        return string.Join('.', parts);
    }

    /// <summary>What <paramref name="setting"/> (null: the entry itself) is called where the problems go.</summary>
    public string Name(string? setting) => _name(setting);

    /// <param name="setting">The setting at fault, as settings name it (<c>Url</c>, <c>Variables:x</c>); null for the entry as a whole.</param>
    /// <param name="message">What is wrong, without the name: <c>is required.</c></param>
    public void Add(string? setting, string message)
    {
        _add(_name(setting), message);
        Count++;
    }

    /// <summary>Reports each of <paramref name="errors"/>, whose fields are setting names, under its name here.</summary>
    public void AddAll(RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var (field, messages) in errors.ToDictionary())
        {
            foreach (var message in messages)
            {
                Add(field, message);
            }
        }
    }
}
