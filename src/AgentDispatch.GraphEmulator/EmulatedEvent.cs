namespace AgentDispatch.GraphEmulator;

/// <summary>
/// One event in an emulated mailbox: a single meeting, or a series of <see cref="Occurrences"/> meetings
/// <see cref="Interval"/> apart, which the calendar view expands into one item per occurrence
/// (<c>{id}_occ{n}</c>), each movable and cancellable on its own.
/// </summary>
public sealed class EmulatedEvent
{
    public required string Id { get; init; }

    public string Subject { get; set; } = "";

    public DateTimeOffset Start { get; set; }

    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(30);

    public string? JoinUrl { get; set; }

    public string? Location { get; set; }

    public string? Body { get; set; }

    public string? OrganizerEmail { get; set; }

    /// <summary>1 for a single meeting.</summary>
    public int Occurrences { get; set; } = 1;

    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    public bool Cancelled { get; set; }

    public bool Deleted { get; set; }

    public HashSet<int> CancelledOccurrences { get; } = [];

    /// <summary>Occurrences moved on their own: index → new start.</summary>
    public Dictionary<int, DateTimeOffset> MovedOccurrences { get; } = [];

    /// <summary>The emulator's change counter when this event last changed: what delta tokens compare against.</summary>
    public long Version { get; set; }

    public DateTimeOffset LastModified { get; set; }

    public bool IsSeries => Occurrences > 1;

    public string OccurrenceId(int index) => IsSeries ? $"{Id}_occ{index}" : Id;

    public DateTimeOffset OccurrenceStart(int index) => MovedOccurrences.TryGetValue(index, out var moved) ? moved : Start + (Interval * index);

    public bool OccurrenceCancelled(int index) => Cancelled || CancelledOccurrences.Contains(index);
}

/// <summary>An emulated mailbox: a user or room, its events, and whether the app may read it.</summary>
public sealed class EmulatedMailbox
{
    public required string Upn { get; init; }

    public required string Id { get; init; }

    /// <summary>True: every call for this mailbox answers 403, as when Calendars.Read was not granted.</summary>
    public bool Forbidden { get; set; }

    public Dictionary<string, EmulatedEvent> Events { get; } = new(StringComparer.Ordinal);

    public bool Is(string idOrUpn) => string.Equals(Upn, idOrUpn, StringComparison.OrdinalIgnoreCase) || string.Equals(Id, idOrUpn, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A subscription as the app made it.</summary>
public sealed record EmulatedSubscription(
    string Id, string Mailbox, string Resource, string ChangeType, Uri NotificationUrl, Uri? LifecycleNotificationUrl, string? ClientState, DateTimeOffset ExpiresAt);

/// <summary>One request to the Graph API routes, as the stand-in saw it.</summary>
public sealed record GraphRequestRecord(string Method, string Kind, int Status, DateTimeOffset At);

/// <summary>One notification the stand-in sent (or lost on purpose), and how the app answered.</summary>
public sealed record NotificationRecord(string SubscriptionId, string Kind, bool Lost, int? Status, DateTimeOffset At);
