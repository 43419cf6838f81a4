namespace AgentDispatch.Testing;

/// <summary>The examples on VideoSDK's dispatch page, verbatim in content, for wire-format tests.</summary>
public static class VideoSdkExamples
{
    public const string MeetingId = "xxxx-xxxx-xxxx";
    public const string AgentId = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

    public const string DispatchRequestJson = """
        {
        "meetingId": "xxxx-xxxx-xxxx",
        "agentId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        "metadata": {
        "variables":[
        {
        "name":"fname",
        "value":"ankit"
        }
        ]
        },
        "versionId":"abcd-abcd-abcd-abcd"
        }
        """;

    public const string SuccessResponseJson = """
        {
        "message": "Agent dispatch requested successfully.",
        "data": {
        "success": true,
        "status": "assigned",
        "roomId": "xxxx-xxxx-xxxx",
        "agentId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        }
        }
        """;

    public const string NoWorkersAvailableJson = """{"message":"No workers available"}""";
}
