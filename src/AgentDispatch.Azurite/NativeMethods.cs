using System.Runtime.InteropServices;

namespace AgentDispatch.Azurite;

/// <summary>
/// .NET can kill a process but not signal it: SIGTERM is what lets Azurite shut down cleanly and
/// write its data to disk.
/// </summary>
internal static class NativeMethods
{
    public const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Kill(int pid, int signal);
}
