namespace AgentDispatch.Microsoft365;

/// <summary>What a Graph failure means for a mailbox, in words an operator can act on (shown as its <c>lastError</c>).</summary>
internal static class MailboxProblems
{
    public const string Permission = "Calendars.Read";

    public static string Describe(MailboxDefinition mailbox, GraphRequestException ex) => ex.Kind switch
    {
        GraphFailureKind.Forbidden =>
            $"Graph refused access to mailbox '{mailbox.Mailbox}' ({ex.Status}{Code(ex)}): the app needs the Microsoft Graph application permission "
            + $"{Permission} with admin consent, and an Exchange application access policy (or RBAC for Applications) that includes this mailbox, if one limits the app. See docs/event-sources.md.",
        GraphFailureKind.NotFound =>
            $"Graph does not know mailbox '{mailbox.Mailbox}' ({ex.Status}{Code(ex)}): check Microsoft365:Mailboxes:{mailbox.Name}'s Mailbox, a user principal name or object id of a user or room mailbox in the tenant.",
        GraphFailureKind.Unauthorized =>
            $"Graph refused the app's token ({ex.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no token"}{Code(ex)}): check the managed identity, or Microsoft365:TenantId, ClientId and the client secret or certificate.",
        GraphFailureKind.Throttled => $"Graph throttled the app ({ex.Status}{Code(ex)}); it asked to wait {(ex.RetryAfter ?? TimeSpan.Zero).TotalSeconds:0} s.",
        _ => ex.Message,
    };

    private static string Code(GraphRequestException ex) => string.IsNullOrWhiteSpace(ex.Code) ? "" : " " + ex.Code;
}
