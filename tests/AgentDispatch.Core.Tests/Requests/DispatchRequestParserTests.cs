using System.Text;
using System.Text.Json;
using AgentDispatch.Requests;
using AgentDispatch.Testing;

namespace AgentDispatch.Core.Tests.Requests;

public sealed class DispatchRequestParserTests
{
    private static ParseResult<AgentDispatch.Dispatch.DispatchRequest> Parse(string json) => DispatchRequestParser.Parse(Encoding.UTF8.GetBytes(json));

    private static IDictionary<string, string[]> ErrorsOf(string json) => ErrorsOf(Encoding.UTF8.GetBytes(json));

    private static IDictionary<string, string[]> ErrorsOf(byte[] body)
    {
        var result = DispatchRequestParser.Parse(body);
        Assert.Null(result.Value);
        return result.Errors!.ToDictionary();
    }

    [Fact]
    public void Parse_DocumentedExample_ReadsEveryField()
    {
        var request = Parse(VideoSdkExamples.DispatchRequestJson).Value!;

        Assert.Equal("xxxx-xxxx-xxxx", request.MeetingId);
        Assert.Equal("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", request.AgentId);
        Assert.Equal("abcd-abcd-abcd-abcd", request.VersionId);
        Assert.Equal("ankit", request.Metadata!.Value.GetProperty("variables")[0].GetProperty("value").GetString());
    }

    [Fact]
    public void Parse_OnlyRequiredFields_LeavesOptionalOnesAbsent()
    {
        var request = Parse("""{"meetingId":"abcd-efgh-ijkl","agentId":"MyAgent"}""").Value!;

        Assert.Null(request.Metadata);
        Assert.Null(request.VersionId);
    }

    [Fact]
    public void Parse_NullOptionalFields_AreAbsent()
    {
        var request = Parse("""{"meetingId":"m","agentId":"a","metadata":null,"versionId":null}""").Value!;

        Assert.Null(request.Metadata);
        Assert.Null(request.VersionId);
    }

    [Fact]
    public void Parse_EmptyObject_NamesBothRequiredFields()
    {
        var errors = ErrorsOf("{}");

        Assert.Equal(["is required."], errors["meetingId"]);
        Assert.Equal(["is required."], errors["agentId"]);
    }

    [Fact]
    public void Parse_SeveralBadFields_NamesEachOfThem()
    {
        var errors = ErrorsOf("""{"meetingId":42,"agentId":"  ","metadata":[1],"versionId":true}""");

        Assert.Contains("must be a string, not a number.", errors["meetingId"]);
        Assert.Contains("must not be blank.", errors["agentId"]);
        Assert.Contains("must be a JSON object, not an array.", errors["metadata"]);
        Assert.Contains("must be a string, not a boolean.", errors["versionId"]);
        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"meetingId\":\"m\",}")]
    [InlineData("{'meetingId':'m'}")]
    [InlineData("{\"meetingId\":\"m\",\"agentId\":\"a\"} trailing")]
    public void Parse_MalformedJson_IsABodyError(string json)
    {
        var errors = ErrorsOf(json);

        Assert.Single(errors);
        Assert.StartsWith("is ", errors["body"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "must be a JSON object, not an array.")]
    [InlineData("\"text\"", "must be a JSON object, not a string.")]
    [InlineData("null", "must be a JSON object, not null.")]
    public void Parse_NonObjectRoot_IsRejected(string json, string message)
        => Assert.Equal([message], ErrorsOf(json)["body"]);

    [Fact]
    public void Parse_DuplicateField_IsRejectedRatherThanGuessed()
    {
        var errors = ErrorsOf("""{"meetingId":"a","meetingId":"b","agentId":"x"}""");

        Assert.Contains("body", errors.Keys);
    }

    [Fact]
    public void Parse_UnknownField_IsNamed()
        => Assert.Contains("is not a known field", ErrorsOf("""{"meetingId":"m","agentId":"a","room":"r"}""")["room"][0], StringComparison.Ordinal);

    [Fact]
    public void Parse_WrongLetterCase_SuggestsTheFieldName()
        => Assert.Contains("did you mean 'meetingId'?", ErrorsOf("""{"MeetingId":"m","agentId":"a"}""")["MeetingId"][0], StringComparison.Ordinal);

    [Fact]
    public void Parse_TooLongId_SaysTheLimit()
    {
        var json = JsonSerializer.Serialize(new { meetingId = new string('m', JsonFields.MaxIdLength + 1), agentId = "a" });

        Assert.Equal([$"must be at most {JsonFields.MaxIdLength} characters (it has {JsonFields.MaxIdLength + 1})."], ErrorsOf(json)["meetingId"]);
    }

    [Theory]
    [InlineData("\"abc\\ndef\"", "control characters")]
    [InlineData("\"abc\\u0000\"", "control characters")]
    [InlineData("\"\\ud800x\"", "unpaired surrogate")]
    [InlineData("\"x\\udc00\"", "unpaired surrogate")]
    [InlineData("\"\\u202Eevil\"", "format characters")]
    [InlineData("\"\\u200Bm\\u200B\"", "format characters")]
    [InlineData("\"\\uFEFFm\"", "format characters")]
    public void Parse_ControlCharactersOrBrokenUnicode_AreRejected(string meetingIdJson, string message)
        => Assert.Contains(message, Assert.Single(ErrorsOf($$"""{"meetingId":{{meetingIdJson}},"agentId":"a"}""")["meetingId"]), StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"meetingId":"m","agentId":"a","\ud800":1}""", "body")]
    [InlineData("""{"meetingId":"m","agentId":"a","metadata":{"k":["\udfff"]}}""", "metadata.k[0]")]
    public void Parse_NameOrNestedTextThatIsNotUnicode_IsA400NamingWhere(string body, string field)
        => Assert.Contains("unpaired surrogate", Assert.Single(ErrorsOf(body)[field]), StringComparison.Ordinal);

    [Fact]
    public void Parse_InvalidUtf8_IsA400()
        => Assert.Contains("not valid UTF-8", Assert.Single(ErrorsOf([.. "{\"meetingId\":\"m"u8, 0xC0, 0xAF, .. "\",\"agentId\":\"a\"}"u8])["body"]), StringComparison.Ordinal);

    [Fact]
    public void Parse_SurroundingWhiteSpace_IsRejected()
        => Assert.Equal(["must not start or end with white space."], ErrorsOf("""{"meetingId":" m","agentId":"a"}""")["meetingId"]);

    [Fact]
    public void Parse_UnicodeIds_AreAccepted()
        => Assert.Equal("Agent-😀-ü", Parse("""{"meetingId":"m","agentId":"Agent-😀-ü"}""").Value!.AgentId);

    [Fact]
    public void Parse_OversizedMetadata_SaysTheLimit()
    {
        var json = JsonSerializer.Serialize(new { meetingId = "m", agentId = "a", metadata = new { blob = new string('x', DispatchRequestParser.MaxMetadataBytes) } });

        Assert.StartsWith($"must be at most {DispatchRequestParser.MaxMetadataBytes} bytes", ErrorsOf(json)["metadata"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRejectedWithoutRecursingFurther()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);

        Assert.Contains("body", ErrorsOf("""{"meetingId":"m","agentId":"a","metadata":{"x":""" + deep + "}}").Keys);
    }

    [Fact]
    public void Parse_MetadataSurvivesItsDocument()
    {
        var request = Parse("""{"meetingId":"m","agentId":"a","metadata":{"k":"v"}}""").Value!;

        // The parser disposed its JsonDocument; the metadata must not depend on it.
        Assert.Equal("""{"k":"v"}""", request.Metadata!.Value.GetRawText());
    }
}
