namespace AgentDispatch.VideoSdkEmulator.Control;

internal sealed record HealthBody(string Status)
{
    public static HealthBody Ok { get; } = new("ok");
}
