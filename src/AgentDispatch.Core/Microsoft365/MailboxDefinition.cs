using Microsoft.Extensions.Options;

namespace AgentDispatch.Microsoft365;

/// <summary>
/// A Microsoft 365 mailbox to follow, whoever defined it: app settings today, a runtime store later.
/// <see cref="Name"/> is the mailbox's identity in job keys and state; <see cref="Mailbox"/> is what
/// Graph calls it (UPN or object id).
/// </summary>
public sealed record MailboxDefinition(string Name, string Mailbox, string? AgentId = null)
{
    /// <summary>The origin stored on the mailbox's jobs: <c>microsoft365:&lt;name&gt;</c>.</summary>
    public string Origin => $"{Jobs.JobSources.Microsoft365}:{Name}";

    /// <summary>A UPN (one '@', no spaces or slashes) or an object id (a GUID): what can go into <c>users/{id}</c>.</summary>
    public static bool IsValidMailbox(string? mailbox)
    {
        if (string.IsNullOrWhiteSpace(mailbox) || mailbox.Length > 256)
        {
            return false;
        }

        if (Guid.TryParse(mailbox, out _))
        {
            return true;
        }

        var at = mailbox.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == mailbox.LastIndexOf('@') && at < mailbox.Length - 1
               && mailbox.All(c => char.IsAsciiLetterOrDigit(c) || c is '@' or '.' or '-' or '_' or '\'' or '+');
    }
}

/// <summary>
/// Where mailbox definitions come from. The app settings are one source; a runtime API can register
/// another and the subscriptions, notifications and resyncs follow whatever it lists.
/// </summary>
public interface IMailboxSource
{
    /// <summary>Every mailbox to follow now.</summary>
    ValueTask<IReadOnlyList<MailboxDefinition>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The mailboxes of <c>Microsoft365:Mailboxes</c>, validated at start-up.</summary>
public sealed class SettingsMailboxSource(IOptions<Microsoft365Options> options) : IMailboxSource
{
    private readonly IReadOnlyList<MailboxDefinition> _mailboxes = options.Value.Mailboxes
        .Select(m => new MailboxDefinition(m.Name, m.Mailbox.Trim(), string.IsNullOrWhiteSpace(m.AgentId) ? null : m.AgentId))
        .ToList();

    public ValueTask<IReadOnlyList<MailboxDefinition>> ListAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_mailboxes);
}
