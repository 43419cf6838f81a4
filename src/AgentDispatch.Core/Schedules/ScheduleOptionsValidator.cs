using Microsoft.Extensions.Options;

namespace AgentDispatch.Schedules;

/// <summary>Stops start-up on a schedule that could not run, naming each bad setting (<c>Schedules:2:Cron</c>).</summary>
internal sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
    {
        var failures = new List<string>();
        ScheduleParser.Parse(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
