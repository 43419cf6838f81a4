using AgentDispatch.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Configuration;

/// <summary>
/// Stops start-up when a trigger setting is missing or breaks its rule, naming it: the Functions host
/// would otherwise fail later, or listen on a queue the app never sends to.
/// </summary>
internal sealed class TriggerSettingsValidator(IConfiguration configuration) : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        var names = TriggerSettings.All.Select(s => s.Name).ToList();
        if (TriggerSettings.All.Any(s => string.IsNullOrWhiteSpace(configuration[s.Name])))
        {
            return ValidateOptionsResult.Fail(
                $"{string.Join(", ", names)} must all be set: the Functions host reads the trigger queues and the sweep schedule from them (%NAME%), "
                + "and has no defaults (see local.settings.sample.json).");
        }

        var problems = TriggerSettings.All.Select(s => s.Check(configuration[s.Name])).OfType<string>().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
