namespace AgentDispatch.Calendars;

/// <summary>
/// A feed could not be fetched or read. The message names the feed, and at most an HTTP status or a
/// limit: never the feed's URL, which often embeds a private token.
/// </summary>
public sealed class CalendarFeedException : Exception
{
    public CalendarFeedException(string feedName, string message, bool isTransient, Exception? innerException = null)
        : base($"Calendar feed '{feedName}': {message}", innerException)
    {
        FeedName = feedName;
        Reason = message;
        IsTransient = isTransient;
    }

    public CalendarFeedException()
    {
        FeedName = "";
    }

    public CalendarFeedException(string message)
        : base(message)
    {
        FeedName = "";
    }

    public CalendarFeedException(string message, Exception innerException)
        : base(message, innerException)
    {
        FeedName = "";
    }

    public string FeedName { get; }

    /// <summary>What went wrong, without the feed's name (for logs that name the feed separately).</summary>
    public string Reason { get; } = "";

    /// <summary>
    /// True when the next poll may well succeed (timeouts, 5xx, 429, network). Either way, a failed feed
    /// says nothing about its meetings: their jobs are left as they are.
    /// </summary>
    public bool IsTransient { get; }
}
