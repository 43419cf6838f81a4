using System.Globalization;
using AgentDispatch.Jobs;
using Microsoft.Extensions.Primitives;

namespace AgentDispatch.Requests;

/// <summary>What <c>GET /api/dispatches</c> asks for: <c>?meetingId=&amp;state=&amp;from=&amp;to=&amp;limit=&amp;cursor=</c>.</summary>
public sealed record JobListQuery(string? MeetingId, JobState? State, int Limit, string? Cursor, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public JobFilter Filter => new(MeetingId, State, From, To);

    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    private static readonly string[] Names = ["meetingId", "state", "from", "to", "limit", "cursor"];

    /// <summary>
    /// Reads the query string. Every parameter is given at most once; an unknown one is an error, except
    /// <c>code</c>, which carries the function key to the Functions host.
    /// </summary>
    public static ParseResult<JobListQuery> Parse(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new RequestErrors();
        // Names are case-sensitive; values are looked up as the host's query collection does, ignoring case.
        var given = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in query)
        {
            given[name] = given.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, values) : values;
        }

        foreach (var name in given.Keys.Where(k => !Names.Contains(k, StringComparer.Ordinal) && k != "code"))
        {
            JsonFields.RejectUnknown(name, Names, errors);
        }

        var meetingId = Single(given, "meetingId", errors) is { } m ? JsonFields.CheckId(m, "meetingId", errors) : null;
        JobState? state = null;
        if (Single(given, "state", errors) is { } s)
        {
            if (JobStates.TryParse(s, out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors.Add("state", "must be one of " + string.Join(", ", Enum.GetValues<JobState>().Select(JobStates.Wire)) + ".");
            }
        }

        // In a query string a "+" reads as a space: the offset +01:00 has to be written %2B01:00.
        const string Escape = " (in a URL, write + as %2B)";
        var from = Single(given, "from", errors) is { } f ? DispatchJobRequestParser.ReadTimestamp(f, "from", errors, Escape) : null;
        var to = Single(given, "to", errors) is { } t ? DispatchJobRequestParser.ReadTimestamp(t, "to", errors, Escape) : null;
        if (from is { } start && to is { } end && end <= start)
        {
            errors.Add("to", "must be later than from.");
        }

        var limit = DefaultPageSize;
        if (Single(given, "limit", errors) is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            errors.Add("limit", $"must be a whole number from 1 to {MaxPageSize}.");
        }

        var cursor = Single(given, "cursor", errors);
        if (!DispatchLedger.IsWellFormedCursor(cursor))
        {
            errors.Add("cursor", "is not a cursor this API gave out.");
        }

        return errors.Any ? ParseResult.Invalid<JobListQuery>(errors) : ParseResult.Valid(new JobListQuery(meetingId, state, limit, cursor, from, to));
    }

    private static string? Single(Dictionary<string, StringValues> query, string name, RequestErrors errors)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            errors.Add(name, "must be given once.");
            return null;
        }

        return values[0];
    }
}
