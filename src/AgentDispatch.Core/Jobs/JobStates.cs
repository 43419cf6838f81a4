namespace AgentDispatch.Jobs;

/// <summary>A job state's name on the wire: lower case, as the API shows and accepts it.</summary>
public static class JobStates
{
    public static string Wire(JobState state) => state == JobState.NotJoined ? "not-joined" : state.ToString().ToLowerInvariant();

    /// <summary>Exactly one state's name, any letter case: not a number, not a list, no spaces.</summary>
    public static bool TryParse(string text, out JobState state)
    {
        foreach (var candidate in Enum.GetValues<JobState>())
        {
            if (string.Equals(Wire(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}
