using Microsoft.Extensions.Logging;

namespace AgentDispatch.Sources;

/// <summary>Runtime source events, by kind and name: never a feed URL or a data key.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1500, EventName = "SourceCreated", Level = LogLevel.Information, Message = "Runtime {Kind} {Name} created through the API")]
    public static partial void Created(ILogger logger, SourceKind kind, string name);

    [LoggerMessage(EventId = 1501, EventName = "SourceChanged", Level = LogLevel.Information, Message = "Runtime {Kind} {Name} changed through the API ({Fields})")]
    public static partial void Changed(ILogger logger, SourceKind kind, string name, string fields);

    [LoggerMessage(EventId = 1502, EventName = "SourceDeleted", Level = LogLevel.Information, Message = "Runtime {Kind} {Name} deleted through the API; {Cancelled} scheduled jobs cancelled")]
    public static partial void Deleted(ILogger logger, SourceKind kind, string name, int cancelled);

    [LoggerMessage(EventId = 1503, EventName = "SourceJobsCancelled", Level = LogLevel.Information, Message = "Runtime schedule {Name} changed: {Cancelled} scheduled jobs cancelled, to be made again from the new definition at the next run")]
    public static partial void Reset(ILogger logger, string name, int cancelled);

    [LoggerMessage(EventId = 1504, EventName = "SourcesStale", Level = LogLevel.Warning, Message = "Runtime sources could not be read ({Error}); the copy read last is used meanwhile")]
    public static partial void CatalogStale(ILogger logger, string error);

    [LoggerMessage(EventId = 1506, EventName = "RuntimeMailboxesUnreadable", Level = LogLevel.Warning, Message = "Mailboxes added through the API could not be read ({Error}); only those of the settings are followed until they can")]
    public static partial void RuntimeMailboxesUnreadable(ILogger logger, string error);

    [LoggerMessage(EventId = 1505, EventName = "StoredSourceInvalid", Level = LogLevel.Warning, Message = "Runtime {Kind} {Name} is stored but no longer valid here and is skipped: {Errors}")]
    public static partial void StoredInvalid(ILogger logger, SourceKind kind, string name, string errors);
}
