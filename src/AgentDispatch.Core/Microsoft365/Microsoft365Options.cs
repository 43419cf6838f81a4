using AgentDispatch.Calendars;
using AgentDispatch.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// Settings under <c>Microsoft365:</c>: the mailboxes whose calendars become jobs, where Graph is, how
/// the app is reached by Graph's notifications, and the intervals of renewal and resync.
/// </summary>
public sealed class Microsoft365Options
{
    public const string Section = "Microsoft365";

    public static readonly Uri DefaultGraphUrl = new("https://graph.microsoft.com/v1.0/");

    /// <summary>Bound from <c>Microsoft365:Mailboxes:0:Name</c>, <c>:Mailbox</c>, <c>:AgentId</c> and so on.</summary>
    public List<MailboxOptions> Mailboxes { get; set; } = [];

    /// <summary>Graph's base URL, with its version (<c>https://graph.microsoft.com/v1.0/</c>); a national cloud's, or a stand-in's on loopback.</summary>
    public Uri GraphUrl { get; set; } = DefaultGraphUrl;

    /// <summary>
    /// The public URL of <c>POST /api/webhooks/microsoft365</c> that Graph sends change notifications to
    /// (lifecycle notifications go to the same URL + <c>/lifecycle</c>). Unset: no subscriptions, and
    /// mailboxes are read by the timer's delta alone, every <see cref="ResyncInterval"/>.
    /// </summary>
    public Uri? NotificationUrl { get; set; }

    /// <summary>How far ahead meetings become jobs: the calendar view's window is now - 1 h … now + this.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The longest a mailbox goes without a delta, notifications or not: what catches a lost notification.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The lifetime asked for a subscription. Graph's limit for Outlook events is 4,230 minutes (under
    /// three days); two days leaves room for clock skew and a renewal timer that ran late.
    /// </summary>
    public TimeSpan SubscriptionLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Renewed when less than this share of the lifetime is left (0.5: at half-time).</summary>
    public double RenewAtRemaining { get; set; } = 0.5;

    /// <summary>The mailbox state table (subscriptions, delta links, last errors), in the <c>AzureWebJobsStorage</c> account.</summary>
    public string StateTable { get; set; } = "AgentDispatchMailboxes";

    /// <summary>How long one Graph request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Entra tenant of the app registration, for a client secret or certificate; unset with a managed identity.</summary>
    public string? TenantId { get; set; }

    /// <summary>The app registration's client id, for a client secret or certificate.</summary>
    public string? ClientId { get; set; }

    /// <summary>A Key Vault secret holding the app registration's client secret.</summary>
    public string? ClientSecretName { get; set; }

    /// <summary>A Key Vault certificate (its secret: the PFX) to sign in as the app registration.</summary>
    public string? CertificateName { get; set; }
}

/// <summary>One mailbox (a user's or a room's) as configured.</summary>
public sealed class MailboxOptions
{
    /// <summary>Names the mailbox in job keys, origins, logs and the status page: 1-64 letters, digits, '-' or '_'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The user principal name (<c>rooms.boardroom@contoso.com</c>) or object id of the mailbox.</summary>
    public string Mailbox { get; set; } = "";

    /// <summary>The agent sent when no routing rule matches this mailbox's meeting; unset: routing rules alone decide.</summary>
    public string? AgentId { get; set; }
}

/// <summary>Start-up checks that name each bad setting.</summary>
public sealed class Microsoft365OptionsValidator(IConfiguration configuration) : IValidateOptions<Microsoft365Options>
{
    /// <summary>
    /// The checks of one mailbox, for the settings and for <c>POST /api/calendars</c> alike (the same
    /// messages, named by setting or by JSON field); true when its name is valid.
    /// </summary>
    public static bool CheckMailbox(MailboxOptions mailbox, FieldProblems problems)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(problems);
        var named = CalendarOptionsValidator.IsValidName(mailbox.Name);
        if (!named)
        {
            problems.Add("Name", $"must be 1-{CalendarOptionsValidator.MaxNameLength} letters, digits, '-' or '_' (it is part of every job key made from the mailbox).");
        }

        if (!MailboxDefinition.IsValidMailbox(mailbox.Mailbox))
        {
            problems.Add("Mailbox", "must be the mailbox's user principal name (name@domain) or object id (a GUID).");
        }

        var checks = new Requests.RequestErrors();
        if (mailbox.AgentId is not null && Requests.JsonFields.CheckId(mailbox.AgentId, "AgentId", checks) is null)
        {
            problems.AddAll(checks);
        }

        return named;
    }

    public ValidateOptionsResult Validate(string? name, Microsoft365Options options)
    {
        var failures = new List<string>();
        var firstUse = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Mailboxes.Count; i++)
        {
            var mailbox = options.Mailboxes[i];
            var setting = $"{Microsoft365Options.Section}:Mailboxes:{i}";
            SettingChecks.RejectUnresolvedReference(failures, $"{setting}:Name", mailbox.Name);
            SettingChecks.RejectUnresolvedReference(failures, $"{setting}:Mailbox", mailbox.Mailbox);
            if (CheckMailbox(mailbox, FieldProblems.ForSettings(setting, failures)) && !firstUse.TryAdd(mailbox.Name, i))
            {
                failures.Add($"{setting}:Name '{mailbox.Name}' is also the name of {Microsoft365Options.Section}:Mailboxes:{firstUse[mailbox.Name]}: mailbox names must be unique (ignoring case).");
            }
        }

        if (!options.GraphUrl.IsAbsoluteUri || !(options.GraphUrl.Scheme == Uri.UriSchemeHttps || (options.GraphUrl.Scheme == Uri.UriSchemeHttp && options.GraphUrl.IsLoopback)))
        {
            failures.Add($"{Microsoft365Options.Section}:GraphUrl must be an absolute https URL such as {Microsoft365Options.DefaultGraphUrl} (plain http only on a loopback host, for the local stand-in).");
        }

        if (options.NotificationUrl is { } url && (!url.IsAbsoluteUri || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
                                                   || url.Query.Length > 0 || url.Fragment.Length > 0))
        {
            failures.Add($"{Microsoft365Options.Section}:NotificationUrl must be the absolute https URL of /api/webhooks/microsoft365, with no query or fragment (Graph sends only to https; plain http only on loopback; the lifecycle URL is it + /lifecycle).");
        }

        if (options.Horizon < TimeSpan.FromHours(1) || options.Horizon > TimeSpan.FromDays(180))
        {
            failures.Add($"{Microsoft365Options.Section}:Horizon must be between 01:00:00 and 180.00:00:00.");
        }

        if (options.ResyncInterval < TimeSpan.FromMinutes(5) || options.ResyncInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{Microsoft365Options.Section}:ResyncInterval must be between 00:05:00 and 1.00:00:00.");
        }

        if (options.SubscriptionLifetime < TimeSpan.FromHours(1) || options.SubscriptionLifetime > TimeSpan.FromMinutes(4230))
        {
            failures.Add($"{Microsoft365Options.Section}:SubscriptionLifetime must be between 01:00:00 and 2.22:30:00 (Graph's 4,230 minutes for Outlook events).");
        }

        if (options.RenewAtRemaining is <= 0 or >= 1 || double.IsNaN(options.RenewAtRemaining))
        {
            failures.Add($"{Microsoft365Options.Section}:RenewAtRemaining must be between 0 and 1 (exclusive), e.g. 0.5 to renew at half-time.");
        }

        if (string.IsNullOrWhiteSpace(options.StateTable) || !options.StateTable.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.StateTable[0]) || options.StateTable.Length is < 3 or > 63)
        {
            failures.Add($"{Microsoft365Options.Section}:StateTable must be 3-63 letters and digits, starting with a letter (an Azure Table name).");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Microsoft365Options.Section}:RequestTimeout must be between 00:00:01 and 00:05:00.");
        }

        CheckAppRegistration(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void CheckAppRegistration(Microsoft365Options options, List<string> failures)
    {
        var section = Microsoft365Options.Section;
        SettingChecks.RejectUnresolvedReference(failures, $"{section}:ClientSecretName", options.ClientSecretName);
        SettingChecks.RejectUnresolvedReference(failures, $"{section}:CertificateName", options.CertificateName);
        var secret = !string.IsNullOrWhiteSpace(options.ClientSecretName);
        var certificate = !string.IsNullOrWhiteSpace(options.CertificateName);
        if (secret && certificate)
        {
            failures.Add($"{section}:ClientSecretName and {section}:CertificateName are both set: give one (or neither, for the app's managed identity).");
        }

        if (secret || certificate)
        {
            if (string.IsNullOrWhiteSpace(options.TenantId) || string.IsNullOrWhiteSpace(options.ClientId))
            {
                failures.Add($"{section}:TenantId and {section}:ClientId are required with a client secret or certificate: they name the app registration that holds Calendars.Read.");
            }

            if (string.IsNullOrWhiteSpace(configuration[$"{KeyVaultOptions.Section}:{nameof(KeyVaultOptions.VaultUri)}"]))
            {
                failures.Add($"{section}:{(secret ? "ClientSecretName" : "CertificateName")} needs KeyVault:VaultUri: the credential is read from that vault.");
            }
        }
    }
}
