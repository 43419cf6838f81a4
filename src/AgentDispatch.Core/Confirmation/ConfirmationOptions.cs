using Microsoft.Extensions.Options;

namespace AgentDispatch.Confirmation;

/// <summary>How the app learns that a dispatched agent is in the room.</summary>
public enum ConfirmationMode
{
    /// <summary>No confirmation: a job ends at <c>assigned</c>, as VideoSDK answered.</summary>
    Off,

    /// <summary>Poll VideoSDK's sessions API for the agent among the room's active participants.</summary>
    SessionApi,

    /// <summary>Wait for VideoSDK's <c>participant-joined</c> webhook.</summary>
    Webhook,

    /// <summary>Either: the webhook usually comes first, and polling covers a delivery that never came.</summary>
    Both,
}

/// <summary>What to do when the agent does not join within <see cref="ConfirmationOptions.Timeout"/>.</summary>
public enum NotJoinedPolicy
{
    /// <summary>Dispatch again within the job's window, at most <see cref="ConfirmationOptions.MaxRedispatches"/> times.</summary>
    Redispatch,

    /// <summary>End the job <c>not-joined</c>.</summary>
    Fail,
}

/// <summary>Settings under <c>Confirmation:</c>.</summary>
public sealed class ConfirmationOptions
{
    public const string Section = "Confirmation";

    public ConfirmationMode Mode { get; set; } = ConfirmationMode.Both;

    /// <summary>How long after an assigned answer (or an unanswered attempt) the app looks for the agent.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the sessions API is asked while looking (modes <c>SessionApi</c> and <c>Both</c>).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public NotJoinedPolicy OnNotJoined { get; set; } = NotJoinedPolicy.Redispatch;

    public int MaxRedispatches { get; set; } = 2;

    /// <summary>
    /// Which participant is the agent: a pattern matched, ignoring case, against the participant's name
    /// and against its id; <c>*</c> matches any run of characters and <c>{agentId}</c> stands for the
    /// job's agent id. Several patterns are separated by <c>|</c>.
    /// </summary>
    public string AgentParticipant { get; set; } = AgentParticipantMatcher.DefaultPattern;

    public bool IsOn => Mode != ConfirmationMode.Off;

    public bool Polls => Mode is ConfirmationMode.SessionApi or ConfirmationMode.Both;

    public bool HearsWebhooks => Mode is ConfirmationMode.Webhook or ConfirmationMode.Both;
}

internal sealed class ConfirmationOptionsValidator : IValidateOptions<ConfirmationOptions>
{
    public ValidateOptionsResult Validate(string? name, ConfirmationOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add("Confirmation:Mode must be Off, SessionApi, Webhook or Both.");
        }

        if (!Enum.IsDefined(options.OnNotJoined))
        {
            failures.Add("Confirmation:OnNotJoined must be Redispatch or Fail.");
        }

        if (options.Timeout < TimeSpan.FromSeconds(5) || options.Timeout > TimeSpan.FromHours(1))
        {
            failures.Add("Confirmation:Timeout must be between 00:00:05 and 01:00:00.");
        }

        if (options.PollInterval < TimeSpan.FromSeconds(1) || options.PollInterval > options.Timeout)
        {
            failures.Add("Confirmation:PollInterval must be at least 00:00:01 and no longer than Confirmation:Timeout (queue visibility has whole-second precision).");
        }

        if (options.MaxRedispatches is < 0 or > 10)
        {
            failures.Add("Confirmation:MaxRedispatches must be between 0 and 10.");
        }

        if (!AgentParticipantMatcher.TryCreate(options.AgentParticipant, out _, out var error))
        {
            failures.Add($"Confirmation:AgentParticipant {error}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
