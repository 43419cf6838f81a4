using AgentDispatch.Dispatch;

namespace AgentDispatch.Core.Tests.Dispatch;

public sealed class DispatchOutcomeClassifierTests
{
    public static TheoryData<string, int, DispatchOutcomeKind> MessagesDecideWhateverTheStatus()
    {
        var data = new TheoryData<string, int, DispatchOutcomeKind>();
        foreach (var status in new[] { 200, 400, 404, 409, 429, 500, 503 })
        {
            data.Add("No workers available", status, DispatchOutcomeKind.Capacity);
            data.Add("No Workers Registered", status, DispatchOutcomeKind.Configuration);
            data.Add("Agent Not Deployed", status, DispatchOutcomeKind.Configuration);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MessagesDecideWhateverTheStatus))]
    public void Classify_DocumentedMessage_DecidesWhateverTheStatus(string message, int status, DispatchOutcomeKind expected)
        => Assert.Equal(expected, DispatchOutcomeClassifier.Classify(status, message));

    [Theory]
    [InlineData("no workers AVAILABLE right now", DispatchOutcomeKind.Capacity)]
    [InlineData("Error: agent not deployed", DispatchOutcomeKind.Configuration)]
    public void Classify_MessageCaseAndSurroundings_DoNotMatter(string message, DispatchOutcomeKind expected)
        => Assert.Equal(expected, DispatchOutcomeClassifier.Classify(400, message));

    [Theory]
    [InlineData(200, DispatchOutcomeKind.Assigned)]
    [InlineData(201, DispatchOutcomeKind.Assigned)]
    [InlineData(401, DispatchOutcomeKind.Unauthorized)]
    [InlineData(403, DispatchOutcomeKind.Unauthorized)]
    [InlineData(429, DispatchOutcomeKind.Capacity)]
    [InlineData(503, DispatchOutcomeKind.Capacity)]
    [InlineData(400, DispatchOutcomeKind.Rejected)]
    [InlineData(404, DispatchOutcomeKind.Rejected)]
    [InlineData(422, DispatchOutcomeKind.Rejected)]
    [InlineData(302, DispatchOutcomeKind.Rejected)]
    [InlineData(500, DispatchOutcomeKind.Transient)]
    [InlineData(502, DispatchOutcomeKind.Transient)]
    [InlineData(504, DispatchOutcomeKind.Transient)]
    public void Classify_OtherMessages_FallBackToStatus(int status, DispatchOutcomeKind expected)
    {
        Assert.Equal(expected, DispatchOutcomeClassifier.Classify(status, "something else"));
        Assert.Equal(expected, DispatchOutcomeClassifier.Classify(status, null));
    }

    [Theory]
    [InlineData(503, "No workers available", true)]
    [InlineData(200, "No workers available", true)]
    [InlineData(503, null, true)]
    [InlineData(429, null, true)]
    [InlineData(503, "Service Unavailable", false)]
    [InlineData(429, "Too Many Requests", false)]
    [InlineData(500, null, false)]
    [InlineData(404, "No Workers Registered", false)]
    public void ProvesNothingDispatched_OnlyForTheDocumentedCapacityMessageOrABareRefusal(int status, string? message, bool expected)
        => Assert.Equal(expected, DispatchOutcomeClassifier.ProvesNothingDispatched(status, message));
}
