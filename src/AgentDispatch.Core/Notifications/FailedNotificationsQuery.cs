using System.Globalization;
using AgentDispatch.Requests;
using Microsoft.Extensions.Primitives;

namespace AgentDispatch.Notifications;

/// <summary>What <c>GET /api/notifications/failed</c> asks for: <c>?limit=&amp;cursor=</c> (and the host's <c>code</c>).</summary>
public sealed record FailedNotificationsQuery(int Limit, string? Cursor)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    private static readonly string[] Names = ["limit", "cursor"];

    public static ParseResult<FailedNotificationsQuery> Parse(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new RequestErrors();
        string? limitText = null;
        string? cursor = null;
        foreach (var (name, values) in query)
        {
            if (!Names.Contains(name, StringComparer.Ordinal) && name != "code")
            {
                JsonFields.RejectUnknown(name, Names, errors);
            }
            else if (values.Count > 1)
            {
                errors.Add(name, "must be given once.");
            }
            else if (name == "limit")
            {
                limitText = values[0];
            }
            else if (name == "cursor")
            {
                cursor = values[0];
            }
        }

        var limit = DefaultPageSize;
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            errors.Add("limit", $"must be a whole number from 1 to {MaxPageSize}.");
        }

        if (!NotificationFailures.IsWellFormedCursor(cursor))
        {
            errors.Add("cursor", "is not a cursor this API gave out.");
        }

        return errors.Any ? ParseResult.Invalid<FailedNotificationsQuery>(errors) : ParseResult.Valid(new FailedNotificationsQuery(limit, cursor));
    }
}
