namespace AgentDispatch.Requests;

/// <summary>A new time for a scheduled job: <c>{"dispatchAt": "...", "notAfter": "..."}</c>.</summary>
public sealed record RescheduleRequest(DateTimeOffset DispatchAt, DateTimeOffset? NotAfter);

public static class RescheduleRequestParser
{
    public static ParseResult<RescheduleRequest> Parse(ReadOnlyMemory<byte> body)
    {
        var errors = new RequestErrors();
        using var document = JsonFields.ParseObject(body, errors);
        if (document is null)
        {
            return ParseResult.Invalid<RescheduleRequest>(errors);
        }

        DateTimeOffset? dispatchAt = null;
        DateTimeOffset? notAfter = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            switch (property.Name)
            {
                case "dispatchAt":
                    dispatchAt = DispatchJobRequestParser.ReadTimestamp(property.Value, "dispatchAt", errors);
                    break;
                case "notAfter":
                    notAfter = DispatchJobRequestParser.ReadTimestamp(property.Value, "notAfter", errors);
                    break;
                default:
                    JsonFields.RejectUnknown(property.Name, ["dispatchAt", "notAfter"], errors);
                    break;
            }
        }

        if (dispatchAt is null && !errors.Has("dispatchAt"))
        {
            errors.Add("dispatchAt", "is required.");
        }

        return dispatchAt is { } at && !errors.Any ? ParseResult.Valid(new RescheduleRequest(at, notAfter)) : ParseResult.Invalid<RescheduleRequest>(errors);
    }
}
