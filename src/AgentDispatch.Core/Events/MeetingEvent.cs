namespace AgentDispatch.Events;

/// <summary>What happened to a meeting, whatever the source said it in.</summary>
public enum MeetingEventKind
{
    /// <summary>A meeting is (still) planned at <see cref="MeetingEvent.Start"/>: create its job, or move it if the time changed.</summary>
    Scheduled,

    /// <summary>A meeting moved; for sources that give the moved meeting a new identity, <see cref="MeetingEvent.PreviousKey"/> names the old one.</summary>
    Rescheduled,

    /// <summary>A meeting will not happen: cancel its job.</summary>
    Cancelled,
}

/// <summary>A person on a meeting, as far as the source tells.</summary>
/// <remarks>Bounded as <see cref="EventLimits"/> says: a long name is cut, an over-long e-mail is read as none.</remarks>
public sealed record Person(string? Name, string? Email)
{
    public string? Name { get; init => field = EventLimits.Cut(value, EventLimits.MaxNameLength); } = EventLimits.Cut(Name, EventLimits.MaxNameLength);

    public string? Email { get; init => field = BoundEmail(value); } = BoundEmail(Email);

    /// <summary>The e-mail's domain, lower case, or null.</summary>
    public string? Domain => Email is { } email && email.LastIndexOf('@') is var at and > 0 && at < email.Length - 1
        ? email[(at + 1)..].ToLowerInvariant()
        : null;

    private static string? BoundEmail(string? email) => email is { Length: > EventLimits.MaxEmailLength } ? null : email;
}

/// <summary>
/// A meeting event normalised from a webhook (Calendly, Cal.com, Standard Webhooks), an iCalendar
/// feed or a schedule. Routing rules match on it, templates read it, and it becomes one job.
/// </summary>
/// <remarks>
/// Free text is bounded here, whichever source set it (<see cref="EventLimits"/>): titles, event types and
/// texts are cut, an over-long time zone is read as none, attendees past the limit are dropped. Ids
/// (<see cref="Key"/>, <see cref="MeetingId"/>) are not cut: each source refuses one that is too long.
/// </remarks>
public sealed record MeetingEvent
{
    /// <summary>Names for the text fields a meeting id can be found in (see <see cref="Texts"/>).</summary>
    public static class Fields
    {
        public const string JoinUrl = "joinUrl";
        public const string Location = "location";
        public const string Description = "description";
        public const string Answers = "answers";
    }

    /// <summary><c>calendly</c>, <c>calcom</c>, <c>standard</c>, <c>calendar</c>, <c>microsoft365</c> (see <c>JobSources</c>).</summary>
    public required string Source { get; init; }

    public required MeetingEventKind Kind { get; init; }

    /// <summary>The source's stable identity for this meeting (occurrence): becomes the job's idempotency key.</summary>
    public required string Key { get; init; }

    /// <summary>For a reschedule that gave the meeting a new identity: the old one, whose job is moved.</summary>
    public string? PreviousKey { get; init; }

    /// <summary>A cancellation that is half of a reschedule (Calendly cancels the old invitee, then creates the new one).</summary>
    public bool CancelledForReschedule { get; init; }

    /// <summary>The source's event type or name (a Calendly event type name, a Cal.com event type, a feed's name).</summary>
    public string? EventType { get; init => field = EventLimits.Cut(value, EventLimits.MaxTitleLength); }

    public string? Title { get; init => field = EventLimits.Cut(value, EventLimits.MaxTitleLength); }

    public DateTimeOffset? Start { get; init; }

    public DateTimeOffset? End { get; init; }

    /// <summary>The meeting's time zone, when the source gives one (IANA id).</summary>
    public string? TimeZone { get; init => field = value is { Length: > EventLimits.MaxTimeZoneLength } ? null : value; }

    /// <summary>A VideoSDK meeting id the source gave explicitly; otherwise one is looked for in <see cref="Texts"/>.</summary>
    public string? MeetingId { get; init; }

    /// <summary>Where a meeting id may be written, by <see cref="Fields"/> name: join URL, location, description, answers.</summary>
    public IReadOnlyDictionary<string, string> Texts { get; init => field = EventLimits.CutTexts(value); } = new Dictionary<string, string>();

    public Person? Organizer { get; init; }

    public IReadOnlyList<Person> Attendees { get; init => field = value.Count > EventLimits.MaxAttendees ? [.. value.Take(EventLimits.MaxAttendees)] : value; } = [];

    /// <summary>What produced the event within its source (<c>calendar:&lt;feed&gt;</c>), stored on the job.</summary>
    public string? Origin { get; init; }

    /// <summary>
    /// The agent the source itself names for its meetings (a mailbox's <c>AgentId</c>), used when no
    /// routing rule matches: rules still come first, so one can send another agent or none.
    /// </summary>
    public string? DefaultAgentId { get; init; }
}
