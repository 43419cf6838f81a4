using AgentDispatch.Confirmation;

namespace AgentDispatch.Core.Tests.Confirmation;

public sealed class AgentParticipantMatcherTests
{
    [Theory]
    [InlineData("{agentId}", "agent-1", "agt_1", "agent-1", true)]
    [InlineData("{agentId}", "agent-1", "agt_1", "AGENT-1", true)]
    [InlineData("{agentId}", "agent-1", "agent-1", "Some name", true)] // the id matches
    [InlineData("{agentId}", "agent-1", "p1", "Alice", false)]
    [InlineData("{agentId}", "agent-1", "p1", "agent-10", false)]
    [InlineData("*agent*", "x", "p1", "Support Agent", true)]
    [InlineData("Alice|{agentId}", "agent-1", "p1", "Alice", true)]
    [InlineData("bot-*", "agent-1", "bot-7f3a", null, true)]
    [InlineData("bot-*", "agent-1", null, null, false)]
    public void IsAgent(string pattern, string agentId, string? participantId, string? name, bool expected)
        => Assert.Equal(expected, AgentParticipantMatcher.Create(pattern).IsAgent(agentId, participantId, name));

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("|")]
    [InlineData("{agent}")]
    [InlineData("{meetingId}-bot")]
    public void BadSettings_AreRefusedWithTheReason(string pattern)
    {
        Assert.False(AgentParticipantMatcher.TryCreate(pattern, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void HostileName_AgainstManyStars_EndsQuickly()
    {
        // A backtracking matcher takes exponential time on this; the two-pointer walk takes pattern × text steps.
        var matcher = AgentParticipantMatcher.Create(string.Concat(Enumerable.Repeat("*a", 40)) + "b");

        Assert.False(matcher.IsAgent("x", null, new string('a', 4000)));
    }
}
