using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.Functions.Health;
using AgentDispatch.Functions.Jobs;
using AgentDispatch.Jobs;
using AgentDispatch.Functions.Webhooks;

namespace AgentDispatch.Functions;

/// <summary>The app's response bodies, camelCase, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(JobView))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(WebhookAck))]
[JsonSerializable(typeof(VideoSdkWebhookAck))]
[JsonSerializable(typeof(GraphNotificationAck))]
[JsonSerializable(typeof(AgentDispatch.Notifications.FailedNotificationPage))]
[JsonSerializable(typeof(AgentDispatch.Functions.Notifications.NotificationRetried))]
public sealed partial class FunctionsJsonContext : JsonSerializerContext;
