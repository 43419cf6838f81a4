using System.Text;
using System.Text.Json.Nodes;
using AgentDispatch.Requests;

namespace AgentDispatch.Core.Tests.Requests;

/// <summary>
/// A queue message's CloudEvents <c>id</c> and <c>source</c> become the job's key, so they have the limit of
/// every other id (docs/event-sources.md#limits): at it the message is read, over it refused naming the attribute.
/// </summary>
public sealed class QueueMessageLimitsTests
{
    private static byte[] CloudEvent(string id, string source)
        => Encoding.UTF8.GetBytes(new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = id,
            ["source"] = source,
            ["type"] = "dispatch.requested",
            ["data"] = new JsonObject { ["meetingId"] = "abcd-efgh-ijkl", ["agentId"] = "agent-1" },
        }.ToJsonString());

    [Theory]
    [InlineData("id", JsonFields.MaxIdLength)]
    [InlineData("id", JsonFields.MaxIdLength + 1)]
    [InlineData("source", JsonFields.MaxIdLength)]
    [InlineData("source", JsonFields.MaxIdLength + 1)]
    public void CloudEventAttribute_AtTheLimitIsRead_OverItIsRefusedNamingIt(string attribute, int length)
    {
        var value = new string('x', length);

        var result = DispatchJobRequestParser.Parse(attribute == "id" ? CloudEvent(value, "/crm") : CloudEvent("evt-1", value));

        if (length <= JsonFields.MaxIdLength)
        {
            Assert.Null(result.Errors);
            Assert.Contains(value, result.Value!.IdempotencyKey, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(result.Value);
            var messages = Assert.Single(result.Errors!.ToDictionary()).Value;
            Assert.Equal(attribute, Assert.Single(result.Errors!.ToDictionary()).Key);
            Assert.Contains($"at most {JsonFields.MaxIdLength} characters (it has {length})", Assert.Single(messages), StringComparison.Ordinal);
        }
    }
}
