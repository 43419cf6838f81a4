using AgentDispatch.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Calendars;

/// <summary>Settings under <c>Calendars:</c>: the iCalendar feeds to poll and the limits on fetching them.</summary>
public sealed class CalendarOptions
{
    public const string Section = "Calendars";

    /// <summary>The feeds, bound from <c>Calendars:Feeds:0:Name</c>, <c>Calendars:Feeds:0:Url</c> and so on.</summary>
    public List<CalendarFeedOptions> Feeds { get; set; } = [];

    /// <summary>How far ahead occurrences become jobs. Later ones are picked up by a later poll.</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromDays(2);

    /// <summary>The largest feed read, in bytes (after decompression); a bigger one is an error, never read in part.</summary>
    public int MaxBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>How long one feed may take to answer and arrive in full.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>One feed: a name, and its URL either in plain settings or in a Key Vault secret.</summary>
public sealed class CalendarFeedOptions
{
    /// <summary>Names the feed in job keys, origins and logs: 1-64 letters, digits, '-' or '_'.</summary>
    public string Name { get; set; } = "";

    /// <summary>The feed's https URL. Private feed URLs usually embed a token: prefer <see cref="UrlSecretName"/>.</summary>
    public string? Url { get; set; }

    /// <summary>A Key Vault secret (in <c>KeyVault:VaultUri</c>) whose value is the feed's URL.</summary>
    public string? UrlSecretName { get; set; }
}

/// <summary>
/// Start-up checks for <see cref="CalendarOptions"/> that name each bad setting. Messages never repeat a
/// URL: a private feed URL is a credential.
/// </summary>
internal sealed class CalendarOptionsValidator(IConfiguration configuration) : IValidateOptions<CalendarOptions>
{
    public const int MaxNameLength = 64;

    public ValidateOptionsResult Validate(string? name, CalendarOptions options)
    {
        var failures = new List<string>();
        var vaultConfigured = !string.IsNullOrWhiteSpace(configuration[$"{KeyVaultOptions.Section}:{nameof(KeyVaultOptions.VaultUri)}"]);
        var firstUse = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        for (var i = 0; i < options.Feeds.Count; i++)
        {
            var feed = options.Feeds[i];
            var problems = FieldProblems.ForSettings($"{CalendarOptions.Section}:Feeds:{i}", failures);
            CheckFeed(feed, vaultConfigured, problems);
            if (IsValidName(feed.Name))
            {
                if (firstUse.TryGetValue(feed.Name, out var earlier))
                {
                    problems.Add("Name", $"'{feed.Name}' is also the name of {CalendarOptions.Section}:Feeds:{earlier}: feed names must be unique (ignoring case).");
                }
                else
                {
                    firstUse[feed.Name] = i;
                }
            }
        }

        if (options.Horizon < TimeSpan.FromHours(1) || options.Horizon > TimeSpan.FromDays(31))
        {
            failures.Add($"{CalendarOptions.Section}:Horizon must be between 01:00:00 and 31.00:00:00.");
        }

        if (options.MaxBytes is < 1024 or > 20 * 1024 * 1024)
        {
            failures.Add($"{CalendarOptions.Section}:MaxBytes must be between 1024 (1 KiB) and 20971520 (20 MiB).");
        }

        if (options.FetchTimeout < TimeSpan.FromSeconds(1) || options.FetchTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{CalendarOptions.Section}:FetchTimeout must be between 00:00:01 and 00:05:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The checks of one feed, wherever it is defined: app settings at start-up, or the body of
    /// <c>POST /api/calendars</c>. Messages never repeat a URL.
    /// </summary>
    /// <param name="vaultConfigured">Whether <c>KeyVault:VaultUri</c> is set, for feeds whose URL is a Key Vault secret.</param>
    public static void CheckFeed(CalendarFeedOptions feed, bool vaultConfigured, FieldProblems problems)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(problems);
        SettingChecks.RejectUnresolvedReference(problems, "Name", feed.Name);
        SettingChecks.RejectUnresolvedReference(problems, "Url", feed.Url);
        SettingChecks.RejectUnresolvedReference(problems, "UrlSecretName", feed.UrlSecretName);

        if (!IsValidName(feed.Name))
        {
            problems.Add("Name", $"must be 1-{MaxNameLength} letters, digits, '-' or '_' (it is part of every job key made from the feed).");
        }

        var hasUrl = !string.IsNullOrWhiteSpace(feed.Url);
        var hasSecret = !string.IsNullOrWhiteSpace(feed.UrlSecretName);
        if (hasUrl == hasSecret)
        {
            problems.Add(null, "must set exactly one of Url (the feed's URL) and UrlSecretName (a Key Vault secret holding it).");
        }

        // A reference is reported once, by RejectUnresolvedReference, instead of again as a bad URL or secret name.
        if (hasUrl && !SettingChecks.IsReference(problems, feed.Url) && !CalendarFeedUrls.TryParseAllowed(feed.Url, out _))
        {
            problems.Add("Url", "must be an absolute https URL (plain http is allowed only for a loopback host such as 127.0.0.1, for tests and local runs).");
        }

        if (hasSecret && !SettingChecks.IsReference(problems, feed.UrlSecretName))
        {
            if (!IsValidSecretName(feed.UrlSecretName!))
            {
                problems.Add("UrlSecretName", "must be a Key Vault secret name: 1-127 letters, digits and '-'.");
            }

            if (!vaultConfigured)
            {
                problems.Add("UrlSecretName", "needs KeyVault:VaultUri: the feed's URL is read from that vault.");
            }
        }
    }

    public static bool IsValidName(string? name)
        => name is { Length: > 0 and <= MaxNameLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool IsValidSecretName(string name)
        => name.Length is > 0 and <= 127 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
