using Microsoft.Extensions.Options;

namespace AgentDispatch.Notifications;

/// <summary>One system that wants to hear about jobs: <c>Notifications:Subscribers:N:*</c>.</summary>
public sealed class SubscriberOptions
{
    /// <summary>A short name for the subscriber in the dead-letter list and logs; defaults to its index (<c>0</c>, <c>1</c>, …).</summary>
    public string? Name { get; set; }

    public string? Url { get; set; }

    /// <summary>The Standard Webhooks signing secret (<c>whsec_</c> + base64).</summary>
    public string? Secret { get; set; }

    /// <summary>Or the name of a Key Vault secret holding it (with <c>KeyVault:VaultUri</c>).</summary>
    public string? SecretName { get; set; }

    /// <summary>The event types it wants (<c>job.joined</c>, <c>job.failed</c>, or <c>job.*</c>); empty for all.</summary>
    public List<string> Events { get; set; } = [];
}

/// <summary>Settings under <c>Notifications:</c>: who hears about every change of a job's state, and how hard the app tries to tell them.</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>The delivery name of a job's own <c>callbackUrl</c>.</summary>
    public const string CallbackName = "callback";

    public List<SubscriberOptions> Subscribers { get; set; } = [];

    /// <summary>The secret that signs deliveries to a job's <c>callbackUrl</c>; unset, the first subscriber's.</summary>
    public string? CallbackSecret { get; set; }

    /// <summary>Or the Key Vault secret holding it.</summary>
    public string? CallbackSecretName { get; set; }

    /// <summary>How long a delivery is retried before it is dead-lettered.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The first wait before a retry; it doubles each attempt (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts (a subscriber's longer <c>Retry-After</c> is honoured up to <see cref="RetryAfterMax"/>).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest <c>Retry-After</c> honoured.</summary>
    public TimeSpan RetryAfterMax { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Subscriber and callback URLs may point at private, link-local and loopback addresses (off in Azure; the dev host turns it on).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>One delivery's time limit, connecting to reading the answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most of a subscriber's answer that is read.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024;

    /// <summary>The dead-letter table, in the <c>AzureWebJobsStorage</c> account.</summary>
    public string FailedTable { get; set; } = "AgentDispatchNotificationFailures";

    /// <summary>The subscriber's name in ids and lists: its <see cref="SubscriberOptions.Name"/> or its index.</summary>
    public static string NameOf(SubscriberOptions subscriber, int index) => string.IsNullOrWhiteSpace(subscriber.Name) ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : subscriber.Name.Trim();

    /// <summary>The subscriber named <paramref name="name"/> and its index in the settings; null when there is none.</summary>
    public (SubscriberOptions Subscriber, int Index)? Find(string name)
    {
        for (var i = 0; i < Subscribers.Count; i++)
        {
            if (NameOf(Subscribers[i], i) == name)
            {
                return (Subscribers[i], i);
            }
        }

        return null;
    }
}

internal sealed class NotificationsOptionsValidator : IValidateOptions<NotificationsOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationsOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Subscribers.Count; i++)
        {
            var s = options.Subscribers[i];
            var prefix = $"{NotificationsOptions.Section}:Subscribers:{i}";
            var subscriberName = NotificationsOptions.NameOf(s, i);
            if (!IsName(subscriberName) || subscriberName == NotificationsOptions.CallbackName)
            {
                failures.Add($"{prefix}:Name must be 1-40 lowercase letters, digits and dashes, and not '{NotificationsOptions.CallbackName}'.");
            }
            else if (!names.Add(subscriberName))
            {
                failures.Add($"{prefix}:Name '{subscriberName}' is used by another subscriber.");
            }

            if (string.IsNullOrWhiteSpace(s.Url))
            {
                failures.Add($"{prefix}:Url is required.");
            }
            else if (SubscriberUrls.Problem(s.Url, options.AllowPrivateNetworks) is { } problem)
            {
                failures.Add($"{prefix}:Url {problem}");
            }

            failures.AddRange(SecretProblems(s.Secret, s.SecretName, $"{prefix}:Secret", $"{prefix}:SecretName", required: true));
            foreach (var type in s.Events)
            {
                if (!JobEventTypes.IsFilter(type))
                {
                    failures.Add($"{prefix}:Events has '{type}', which is not an event type: use {string.Join(", ", JobEventTypes.All)} or job.*.");
                }
            }
        }

        failures.AddRange(SecretProblems(options.CallbackSecret, options.CallbackSecretName, $"{NotificationsOptions.Section}:CallbackSecret", $"{NotificationsOptions.Section}:CallbackSecretName", required: false));
        if (options.RetryFor <= TimeSpan.Zero || options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay || options.RetryAfterMax < TimeSpan.Zero)
        {
            failures.Add("Notifications:RetryFor and Notifications:RetryBaseDelay must be positive, and Notifications:RetryMaxDelay no shorter than Notifications:RetryBaseDelay.");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(2) || options.MaxResponseBytes is < 0 or > 1024 * 1024)
        {
            failures.Add("Notifications:Timeout must be between 0 and 2 minutes, and Notifications:MaxResponseBytes between 0 and 1 MiB.");
        }

        if (string.IsNullOrWhiteSpace(options.FailedTable) || !options.FailedTable.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.FailedTable[0]) || options.FailedTable.Length is < 3 or > 63)
        {
            failures.Add("Notifications:FailedTable must be 3-63 letters and digits, starting with a letter (an Azure Table name).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsName(string name) => name.Length is >= 1 and <= 40 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static IEnumerable<string> SecretProblems(string? secret, string? secretName, string secretSetting, string nameSetting, bool required)
    {
        var hasSecret = !string.IsNullOrWhiteSpace(secret);
        var hasName = !string.IsNullOrWhiteSpace(secretName);
        if (hasSecret && hasName)
        {
            yield return $"{secretSetting} and {nameSetting} are both set: give one.";
        }
        else if (hasSecret && secret!.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{secretSetting} holds an unresolved Key Vault reference (@Microsoft.KeyVault(...)).";
        }
        else if (hasSecret && !SigningSecrets.IsWellFormed(secret!))
        {
            yield return $"{secretSetting} must be a Standard Webhooks secret: whsec_ followed by base64 of 24-64 bytes (two or more separated by spaces while rotating).";
        }
        else if (required && !hasSecret && !hasName)
        {
            yield return $"{secretSetting} (or {nameSetting}, a Key Vault secret) is required.";
        }
    }
}

/// <summary>
/// Standard Webhooks signing secrets: <c>whsec_</c> and the base64 of a 24-64 byte key; during a rotation,
/// two or more separated by spaces (each delivery is signed with each).
/// </summary>
public static class SigningSecrets
{
    public static bool IsWellFormed(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var keys = secret.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return keys.Length is >= 1 and <= 4 && keys.All(IsKey);
    }

    private static bool IsKey(string text)
    {
        text = text.StartsWith("whsec_", StringComparison.Ordinal) ? text[6..] : text;
        Span<byte> key = stackalloc byte[128];
        return Convert.TryFromBase64String(text, key, out var length) && length is >= 24 and <= 64;
    }
}
