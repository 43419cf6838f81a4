namespace AgentDispatch.VideoSdkEmulator.Control;

/// <summary>Counts for tests and figures, since the start or the last reset.</summary>
/// <param name="AgentJoins">Times an agent joined a room.</param>
/// <param name="RoomsWithTwoAgents">Rooms where two or more participants of one agentId were in at once: double dispatches that got through.</param>
/// <param name="WebhooksSent">Webhook events a receiver accepted (2xx).</param>
/// <param name="WebhooksFailed">Webhook events given up on.</param>
/// <param name="PendingAgentJoins">Assigned agents not yet in their room.</param>
/// <param name="PendingWebhooks">Webhook events queued or being delivered.</param>
public sealed record EmulatorStats(
    int AgentJoins,
    int RoomsWithTwoAgents,
    long WebhooksSent,
    long WebhooksFailed,
    int PendingAgentJoins,
    int PendingWebhooks,
    long RoomApiRequests);
