using System.Text.Json.Nodes;
using AgentDispatch.Testing;

namespace AgentDispatch.Functions.Tests.Metadata;

/// <summary>
/// The <c>functions.metadata</c> the build writes is what the Functions host reads to route
/// requests: these tests check the binding contract the host will see, not the attributes alone.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<JsonArray> Metadata = new(() => RepositoryFiles.FunctionsMetadata(typeof(FunctionsMetadataTests).Assembly));

    private static JsonObject Trigger(string function)
    {
        var entry = Metadata.Value.Single(f => (string)f!["name"]! == function)!;
        return entry["bindings"]!.AsArray().Single(b => ((string)b!["type"]!).EndsWith("Trigger", StringComparison.Ordinal))!.AsObject();
    }

    [Theory]
    [InlineData("Dispatch", "dispatch", "post", "Function")]
    [InlineData("Health", "health", "get", "Anonymous")]
    [InlineData("Status", "status", "get", "Function")]
    [InlineData("CreateDispatch", "dispatches", "post", "Function")]
    [InlineData("ListDispatches", "dispatches", "get", "Function")]
    [InlineData("GetDispatch", "dispatches/{id}", "get", "Function")]
    [InlineData("CancelDispatch", "dispatches/{id}", "delete", "Function")]
    [InlineData("RescheduleDispatch", "dispatches/{id}", "patch", "Function")]
    [InlineData("CalendlyWebhook", "webhooks/calendly", "post", "Anonymous")]
    [InlineData("CalComWebhook", "webhooks/calcom", "post", "Anonymous")]
    [InlineData("StandardWebhook", "webhooks/standard", "post", "Anonymous")]
    [InlineData("VideoSdkWebhook", "webhooks/videosdk", "post", "Anonymous")]
    [InlineData("Microsoft365Webhook", "webhooks/microsoft365", "post", "Anonymous")]
    [InlineData("Microsoft365Lifecycle", "webhooks/microsoft365/lifecycle", "post", "Anonymous")]
    public void HttpFunction_HasTheExpectedRouteMethodAndAuthLevel(string function, string route, string method, string authLevel)
    {
        var trigger = Trigger(function);

        Assert.Equal("httpTrigger", (string)trigger["type"]!);
        Assert.Equal(route, (string)trigger["route"]!);
        Assert.Equal([method], trigger["methods"]!.AsArray().Select(m => (string)m!));
        Assert.Equal(authLevel, (string)trigger["authLevel"]!);
    }

    [Fact]
    public void EveryFunction_PointsAtThisAssembly()
        => Assert.All(Metadata.Value, f =>
        {
            Assert.Equal("AgentDispatch.Functions.dll", (string)f!["scriptFile"]!);
            Assert.Equal("dotnet-isolated", (string)f["language"]!);
        });

    [Theory]
    [InlineData("DispatchRequests", "%DISPATCH_REQUESTS_QUEUE%")]
    [InlineData("DispatchWake", "%DISPATCH_WAKE_QUEUE%")]
    [InlineData("DeliverNotification", "%DISPATCH_NOTIFICATIONS_QUEUE%")]
    [InlineData("Microsoft365Sync", "%MICROSOFT365_QUEUE%")]
    public void QueueFunction_ReadsItsQueueNameFromASettingOnTheHostStorage(string function, string queueName)
    {
        var trigger = Trigger(function);

        Assert.Equal("queueTrigger", (string)trigger["type"]!);
        Assert.Equal(queueName, (string)trigger["queueName"]!);
        Assert.Equal("AzureWebJobsStorage", (string)trigger["connection"]!);
    }

    [Theory]
    [InlineData("DispatchSweep", "%DISPATCH_SWEEP_SCHEDULE%")]
    [InlineData("LedgerMaintenance", "%LEDGER_MAINTENANCE_SCHEDULE%")]
    [InlineData("DispatchSchedules", "%SCHEDULES_POLL_SCHEDULE%")]
    [InlineData("PollCalendars", "%CALENDAR_POLL_SCHEDULE%")]
    [InlineData("Microsoft365Maintenance", "%MICROSOFT365_SCHEDULE%")]
    public void Timer_ReadsItsScheduleFromASettingAndDoesNotRunOnStartup(string function, string schedule)
    {
        var trigger = Trigger(function);

        Assert.Equal("timerTrigger", (string)trigger["type"]!);
        Assert.Equal(schedule, (string)trigger["schedule"]!);
        Assert.NotEqual(true, (bool?)trigger["runOnStartup"]);
    }

    [Fact]
    public void Functions_AreExactlyTheDocumentedOnes()
        => Assert.Equal(
            ["CalComWebhook", "CalendlyWebhook", "CancelDispatch", "CreateCalendar", "CreateDispatch", "CreateRule", "CreateSchedule", "DeleteCalendar", "DeleteRule",
             "DeleteSchedule", "DeliverNotification", "Dispatch", "DispatchRequests", "DispatchSchedules", "DispatchSweep", "DispatchWake", "GetCalendar", "GetDispatch",
             "GetRule", "GetSchedule", "Health", "LedgerMaintenance", "ListCalendars", "ListDispatches", "ListFailedNotifications", "ListRules", "ListSchedules",
             "Microsoft365Lifecycle", "Microsoft365Maintenance", "Microsoft365Sync", "Microsoft365Webhook", "PollCalendars", "RescheduleDispatch", "RetryNotification",
             "StandardWebhook", "Status", "UpdateCalendar", "UpdateRule", "UpdateSchedule", "VideoSdkWebhook"],
            Metadata.Value.Select(f => (string)f!["name"]!).Order());
}
