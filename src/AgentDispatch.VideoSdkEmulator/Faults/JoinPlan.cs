namespace AgentDispatch.VideoSdkEmulator.Faults;

/// <summary>What the agent of one assigned dispatch will do, after the join faults had their say.</summary>
/// <param name="Delay">When it joins; null for <see cref="EmulatorOptions.JoinDelay"/>.</param>
/// <param name="Stay">How long it stays; null for <see cref="EmulatorOptions.AgentStay"/>.</param>
internal readonly record struct JoinPlan(bool Joins, TimeSpan? Delay, TimeSpan? Stay, bool LoseAnswer, bool SendWebhooks)
{
    public static JoinPlan Normal => new(Joins: true, Delay: null, Stay: null, LoseAnswer: false, SendWebhooks: true);
}
