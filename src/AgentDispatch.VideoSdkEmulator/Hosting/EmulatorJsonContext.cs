using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentDispatch.VideoSdkEmulator.Control;
using AgentDispatch.VideoSdkEmulator.Deployments;
using AgentDispatch.VideoSdkEmulator.Dispatch;
using AgentDispatch.VideoSdkEmulator.Faults;
using AgentDispatch.VideoSdkEmulator.Rooms;
using AgentDispatch.VideoSdkEmulator.Webhooks;
using AgentDispatch.VideoSdkEmulator.Workers;

namespace AgentDispatch.VideoSdkEmulator.Hosting;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(EmulatedOutcome))]
[JsonSerializable(typeof(MessageBody))]
[JsonSerializable(typeof(DispatchSuccessBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(IReadOnlyList<DispatchRecord>))]
[JsonSerializable(typeof(WorkerRegistration))]
[JsonSerializable(typeof(WorkerInfo))]
[JsonSerializable(typeof(IReadOnlyList<WorkerInfo>))]
[JsonSerializable(typeof(Deployment[]))]
[JsonSerializable(typeof(IReadOnlyList<Deployment>))]
[JsonSerializable(typeof(FaultSettings))]
[JsonSerializable(typeof(JoinFault[]))]
[JsonSerializable(typeof(IReadOnlyList<JoinFault>))]
[JsonSerializable(typeof(EmulatorStats))]
[JsonSerializable(typeof(SessionInfo))]
[JsonSerializable(typeof(PagedBody<SessionInfo>), TypeInfoPropertyName = "PagedBodySessionInfo")]
[JsonSerializable(typeof(PagedBody<ParticipantInfo>), TypeInfoPropertyName = "PagedBodyParticipantInfo")]
[JsonSerializable(typeof(CreateRoomRequest))]
[JsonSerializable(typeof(RoomBody))]
[JsonSerializable(typeof(HumanJoinRequest))]
[JsonSerializable(typeof(ParticipantInfo))]
[JsonSerializable(typeof(IReadOnlyList<RoomInfo>))]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(IReadOnlyList<WebhookDelivery>))]
[JsonSerializable(typeof(PublicKeyBody))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Web defaults (camelCase) plus relaxed escaping: the upstream service is JavaScript, whose
    /// JSON.stringify leaves '+', '&amp;', '&lt;' and non-ASCII letters as they are.
    /// </summary>
    public static EmulatorJsonContext Wire { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
