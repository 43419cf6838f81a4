namespace AgentDispatch.VideoSdkEmulator.Faults;

internal enum FaultKind
{
    None,
    Error503,
    Error429,
    Slow,
    Drop,
}
