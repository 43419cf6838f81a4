namespace AgentDispatch.DevHost.Storage;

// AzuriteProcess.cs is shared with tests/AgentDispatch.Testing, where it stays internal; the dev
// host's copy is the public one, so a project referencing both sees exactly one type.
public sealed partial class AzuriteProcess;
