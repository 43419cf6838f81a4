using AgentDispatch.Configuration;
using AgentDispatch.Storage;
using Microsoft.Extensions.Configuration;

namespace AgentDispatch.Core.Tests.Configuration;

public sealed class TriggerSettingsTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("agent-dispatch-requests")]
    [InlineData("1st-queue")]
    public void QueueName_AzureAllows_IsValid(string name)
    {
        Assert.True(QueueNames.IsValid(name));
        Assert.Null(TriggerSettings.RequestsQueue.Check(name));
    }

    [Theory]
    [InlineData("q2")]
    [InlineData("Upper-case")]
    [InlineData("-starts-with-a-dash")]
    [InlineData("ends-with-a-dash-")]
    [InlineData("two--dashes")]
    [InlineData("under_score")]
    public void QueueName_AzureRefuses_IsNamedWithTheRule(string name)
    {
        var problem = TriggerSettings.WakeQueue.Check(name);

        Assert.False(QueueNames.IsValid(name));
        Assert.NotNull(problem);
        Assert.StartsWith($"DISPATCH_WAKE_QUEUE is '{name}'", problem, StringComparison.Ordinal);
        Assert.Contains(QueueNames.Rule, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueName_OneRule_56CharactersSoThatThePoisonQueueIs63()
    {
        var longest = "q" + new string('a', 55);

        Assert.True(QueueNames.IsValid(longest));
        Assert.Equal(63, (longest + "-poison").Length);
        Assert.False(QueueNames.IsValid(longest + "a"));
        Assert.Throws<InvalidOperationException>(() => QueueNames.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [QueueNames.RequestsSetting] = longest + "a" }).Build()));
    }

    [Fact]
    public void Catalogue_DefaultsFollowTheirOwnRules()
        => Assert.All(TriggerSettings.All, s => Assert.Null(s.Check(s.Default)));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_NamesTheSettingAndItsDefault(string? value)
    {
        var problem = TriggerSettings.CalendarPollSchedule.Check(value);

        Assert.Equal(
            "CALENDAR_POLL_SCHEDULE is not set: the Functions host reads it as %CALENDAR_POLL_SCHEDULE% and has no default (the app's is '0 */5 * * * *'; see local.settings.sample.json).",
            problem);
    }

    [Fact]
    public void WithDefaults_KeepsWhatIsGiven_AndAddsTheRest()
    {
        var settings = TriggerSettings.WithDefaults(new Dictionary<string, string?> { [QueueNames.WakeSetting] = "my-wake" });

        Assert.Equal("my-wake", settings[QueueNames.WakeSetting]);
        Assert.Equal(TriggerSettings.All.Count, settings.Count);
        Assert.Equal("agent-dispatch-requests", settings[QueueNames.RequestsSetting]);
    }
}
