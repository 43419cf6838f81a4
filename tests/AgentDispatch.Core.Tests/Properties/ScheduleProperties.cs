using AgentDispatch.Jobs;
using AgentDispatch.Schedules;
using AgentDispatch.Testing.Properties;
using Xunit.Abstractions;

namespace AgentDispatch.Core.Tests.Properties;

/// <summary>
/// Hostile schedule settings (<see cref="ScheduleGen"/>) evaluated at hostile times: reading them gives a
/// schedule or errors that name the setting, never an exception, and evaluating one stays inside the range asked.
/// </summary>
public sealed class ScheduleProperties(ITestOutputHelper output)
{
    private const string Path = "Schedules:0";

    [Fact]
    public void Parse_AnySettings_GivesAScheduleOrErrorsNamingTheSetting()
    {
        var parsed = 0;
        PropertyRun.Check(output.WriteLine, ScheduleGen.Schedule, c => parsed += Parse(c, out _) is null ? 0 : 1, ciCases: 20_000);
        output.WriteLine($"{parsed} of them were valid schedules.");
    }

    [Fact]
    public void OccurrencesBetween_AnyScheduleAndRange_StaysInTheRangeInOrder()
    {
        var evaluated = 0;
        PropertyRun.Check(
            output.WriteLine,
            ScheduleGen.Timing,
            c =>
            {
                if (Parse(c, out _) is not { } schedule)
                {
                    return;
                }

                evaluated++;

                // The runner's own range (once its arithmetic goes through Instants it is held at the ends of time), and any range at all.
                var window = schedule.Window ?? c.DefaultWindow;
                InRange(schedule, Instants.Add(c.Now, -window), Instants.Add(c.Now, ScheduleRunner.LookAhead));
                InRange(schedule, c.From, c.Until);
            },
            ciCases: 30_000);
        output.WriteLine($"{evaluated} of them were valid schedules and were evaluated.");
    }

    private static Schedule? Parse(ScheduleCase c, out List<string> failures)
    {
        var options = new ScheduleOptions();
        options.Entries.Add(c.Entry);
        failures = [];
        var schedules = ScheduleParser.Parse(options, failures);
        if (schedules.Count == 0)
        {
            Assert.NotEmpty(failures);
        }
        else
        {
            Assert.Empty(failures);
        }

        foreach (var failure in failures)
        {
            Assert.StartsWith(Path, failure, StringComparison.Ordinal);
        }

        return schedules.Count == 0 ? null : Assert.Single(schedules);
    }

    /// <summary>What the runner takes of a range (one more than its limit, to tell "too many") is after, at most until, ascending.</summary>
    private static void InRange(Schedule schedule, DateTimeOffset after, DateTimeOffset until)
    {
        var occurrences = schedule.OccurrencesBetween(after, until).Take(ScheduleRunner.MaxOccurrencesPerRun + 1).ToList();
        DateTimeOffset? previous = null;
        foreach (var occurrence in occurrences)
        {
            Assert.True(occurrence > after && occurrence <= until, $"{occurrence:O} is outside ({after:O}, {until:O}].");
            Assert.Equal(TimeSpan.Zero, occurrence.Offset);
            Assert.True(previous is null || occurrence > previous, $"{occurrence:O} comes after {previous:O}.");
            previous = occurrence;
        }
    }
}
