using System.Text.Json;
using AgentDispatch.Dispatch;

namespace AgentDispatch.Requests;

/// <summary>Reads VideoSDK's documented dispatch request and checks it before anything is sent upstream.</summary>
public static class DispatchRequestParser
{
    /// <summary>Largest request body accepted.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Largest <c>metadata</c> object accepted, as JSON.</summary>
    public const int MaxMetadataBytes = 16 * 1024;

    public static readonly IReadOnlyCollection<string> Fields = ["meetingId", "agentId", "metadata", "versionId"];

    public static ParseResult<DispatchRequest> Parse(ReadOnlyMemory<byte> body)
    {
        var errors = new RequestErrors();
        using var document = JsonFields.ParseObject(body, errors);
        if (document is null)
        {
            return ParseResult.Invalid<DispatchRequest>(errors);
        }

        var fields = new DispatchFields();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!fields.TryRead(property, errors))
            {
                JsonFields.RejectUnknown(property.Name, Fields, errors);
            }
        }

        var request = fields.ToRequest(errors);
        return request is null || errors.Any ? ParseResult.Invalid<DispatchRequest>(errors) : ParseResult.Valid(request);
    }
}

/// <summary>The four documented fields, for every request shape that carries them.</summary>
/// <param name="prefix">Put before field names in errors (<c>data.</c> inside a CloudEvent).</param>
public sealed class DispatchFields(string prefix = "")
{
    public string? MeetingId { get; private set; }

    public string? AgentId { get; private set; }

    public JsonElement? Metadata { get; private set; }

    public string? VersionId { get; private set; }

    /// <summary>Reads <paramref name="property"/> if it is one of the four; false when it is not.</summary>
    public bool TryRead(JsonProperty property, RequestErrors errors)
    {
        switch (property.Name)
        {
            case "meetingId":
                MeetingId = JsonFields.ReadId(property.Value, prefix + "meetingId", errors);
                return true;
            case "agentId":
                AgentId = JsonFields.ReadId(property.Value, prefix + "agentId", errors);
                return true;
            case "metadata":
                Metadata = JsonFields.ReadObject(property.Value, prefix + "metadata", DispatchRequestParser.MaxMetadataBytes, errors);
                return true;
            case "versionId":
                VersionId = JsonFields.ReadId(property.Value, prefix + "versionId", errors);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The request, or null (with errors added) when a required field is missing.</summary>
    public DispatchRequest? ToRequest(RequestErrors errors)
    {
        // A present but null field is as missing as an absent one; a present but bad one has its error already.
        if (MeetingId is null && !errors.Has(prefix + "meetingId"))
        {
            errors.Add(prefix + "meetingId", "is required.");
        }

        if (AgentId is null && !errors.Has(prefix + "agentId"))
        {
            errors.Add(prefix + "agentId", "is required.");
        }

        return MeetingId is null || AgentId is null ? null : new DispatchRequest(MeetingId, AgentId, Metadata, VersionId);
    }
}
