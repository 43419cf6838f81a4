using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentDispatch.Configuration;
using AgentDispatch.Jobs;
using AgentDispatch.Requests;
using AgentDispatch.Schedules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentDispatch.Sources;

/// <summary>An answer of the sources API: a status, and a JSON body or a problem; the ETag and name of the source it is about.</summary>
public sealed record SourceAnswer(int Status, string? Json = null, ApiProblem? Problem = null, string? ETag = null, string? Name = null)
{
    public static SourceAnswer Failed(int status, ApiProblem problem) => new(status, Problem: problem);
}

/// <summary>
/// <c>/api/calendars</c>, <c>/api/schedules</c> and <c>/api/rules</c> as the product defines them,
/// transport-neutral like <see cref="JobsApi"/>. A source takes the fields its settings take, checked by
/// the settings' own checks; those defined in settings are listed read-only. Writes change the table's
/// generation, so every instance's poller, runner and router read the sources again at their next use.
/// </summary>
public sealed class SourcesApi(
    SourceStore store,
    SettingsSources settings,
    FeedUrlProtector urls,
    OriginJobs jobs,
    Microsoft365.MailboxStateStore mailboxStates,
    IOptions<KeyVaultOptions> vault,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<SourcesApi> logger)
{
    /// <summary>A source's body holds a few short fields and at most a schedule's metadata (16 KiB).</summary>
    public const int MaxBodyBytes = 32 * 1024;

    public async Task<SourceAnswer> ListAsync(SourceKind kind, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(kind, cancellationToken).ConfigureAwait(false);
        switch (kind)
        {
            case SourceKind.Calendar:
                var sync = await store.ListSyncAsync(cancellationToken).ConfigureAwait(false);
                var followed = (await mailboxStates.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(m => SourceStore.RowKey(m.Name), m => SyncOf(m)!, StringComparer.Ordinal);
                var calendars = settings.Calendars.Select(f => SettingsCalendar(f, sync.GetValueOrDefault(SourceStore.RowKey(f.Name))))
                    .Concat(settings.Mailboxes.Select(m => SettingsMailbox(m, followed.GetValueOrDefault(SourceStore.RowKey(m.Name)))))
                    .Concat(stored.Select(s => ApiCalendar(s, (IsMailbox(s) ? followed : sync).GetValueOrDefault(SourceStore.RowKey(s.Name)))))
                    .ToList();
                return Ok(JsonSerializer.Serialize(new CalendarList(calendars), SourcesJsonContext.Default.CalendarList));
            case SourceKind.Schedule:
                var schedules = settings.Schedules.Select(SettingsSchedule).Concat(stored.Select(ApiSchedule)).ToList();
                return Ok(JsonSerializer.Serialize(new ScheduleList(schedules), SourcesJsonContext.Default.ScheduleList));
            default:
                var rules = settings.Rules.Select(r => SettingsRule(r.Name, r.Rule)).Concat(stored.Select(ApiRule)).ToList();
                return Ok(JsonSerializer.Serialize(new RuleList(rules), SourcesJsonContext.Default.RuleList));
        }
    }

    public async Task<SourceAnswer> GetAsync(SourceKind kind, string name, CancellationToken cancellationToken)
    {
        if (!SourceDefinitions.IsValidName(name))
        {
            return NotFound(kind, null);
        }

        if (kind == SourceKind.Calendar && settings.Calendars.FirstOrDefault(f => Same(f.Name, name)) is { } feed)
        {
            return Ok(Serialize(SettingsCalendar(feed, await store.GetSyncAsync(feed.Name, cancellationToken).ConfigureAwait(false))));
        }

        if (kind == SourceKind.Calendar && settings.Mailboxes.FirstOrDefault(m => Same(m.Name, name)) is { } mailbox)
        {
            return Ok(Serialize(SettingsMailbox(mailbox, SyncOf(await mailboxStates.GetAsync(mailbox.Name, cancellationToken).ConfigureAwait(false)))));
        }

        if (kind == SourceKind.Schedule && settings.Schedules.FirstOrDefault(s => Same(s.Name, name)) is { } schedule)
        {
            return Ok(JsonSerializer.Serialize(SettingsSchedule(schedule), SourcesJsonContext.Default.ScheduleView));
        }

        if (kind == SourceKind.Rule && settings.Rules.FirstOrDefault(r => Same(r.Name, name)) is { Rule: not null } rule)
        {
            return Ok(JsonSerializer.Serialize(SettingsRule(rule.Name, rule.Rule), SourcesJsonContext.Default.RuleView));
        }

        if (await store.GetAsync(kind, name, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return NotFound(kind, name);
        }

        return Ok(View(stored, await SyncAsync(stored, cancellationToken).ConfigureAwait(false)), stored);
    }

    /// <summary><c>POST</c>: 201 with the source; 409 when the name is taken, here or in settings.</summary>
    public async Task<SourceAnswer> CreateAsync(SourceKind kind, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        using var document = JsonFields.ParseObject(body, errors);
        if (document is null)
        {
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        var spec = JsonObject.Create(document.RootElement)!;
        if (!Check(kind, spec, errors))
        {
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        var url = TakeUrl(spec);
        var name = (string)spec["name"]!;
        if (settings.Defines(kind, name))
        {
            return SourceAnswer.Failed(409, new ApiProblem(
                "name-taken", $"The name is taken by a {Noun(kind)} defined in settings.",
                $"A {Noun(kind)} named '{name}' is defined in app settings ({SettingsSources.SettingOf(kind)}); names must differ from those (ignoring case).")
            {
                Extensions = new Dictionary<string, object?> { ["definedIn"] = DefinedIn.Settings },
            });
        }

        var protectedUrl = await ProtectAsync(kind, name, url, cancellationToken).ConfigureAwait(false);
        if (protectedUrl.Problem is { } keyProblem)
        {
            return keyProblem;
        }

        var now = Instants.Ms(time.GetUtcNow());
        var (result, saved) = await store.InsertAsync(new StoredSource(kind, name, spec, protectedUrl.Value, FeedUrlMask.Mask(url), now, now), cancellationToken).ConfigureAwait(false);
        if (result == StoreWrite.Exists)
        {
            return SourceAnswer.Failed(409, new ApiProblem(
                "name-taken", $"A {Noun(kind)} of this name exists.", $"A {Noun(kind)} named '{name}' already exists (names are unique ignoring case); change it with PATCH, or choose another name.")
            {
                Extensions = new Dictionary<string, object?> { ["definedIn"] = DefinedIn.Api },
            });
        }

        Log.Created(logger, kind, name);
        return Ok(View(saved!, null), saved!, status: 201);
    }

    /// <summary>
    /// <c>PATCH</c> with a JSON merge patch (RFC 7396): a field given replaces the stored one, a field given
    /// as null removes it, a field left out is kept; the result is checked as a whole, like a POST.
    /// <c>If-Match</c> is optional; when given it must be the source's ETag.
    /// </summary>
    public async Task<SourceAnswer> PatchAsync(SourceKind kind, string name, ReadOnlyMemory<byte> body, string? ifMatch, CancellationToken cancellationToken)
    {
        var found = await FindWritableAsync(kind, name, ifMatch, cancellationToken).ConfigureAwait(false);
        if (found.Answer is { } refused)
        {
            return refused;
        }

        var errors = new RequestErrors();
        using var document = JsonFields.ParseObject(body, errors);
        if (document is null)
        {
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        var stored = found.Source!;
        var patch = JsonObject.Create(document.RootElement)!;
        if (patch["name"] is { } renamed && (renamed.GetValueKind() != JsonValueKind.String || !Same(renamed.GetValue<string>(), stored.Name)))
        {
            errors.Add("name", $"cannot be changed (it is part of the {Noun(kind)}'s URL and of its jobs' keys); create a new {Noun(kind)} and delete this one.");
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        if (kind == SourceKind.Calendar && patch.ContainsKey("source") && (patch["source"] is not JsonValue changed || changed.GetValueKind() != JsonValueKind.String || changed.GetValue<string>() != SourceOf(stored)))
        {
            errors.Add("source", "cannot be changed (the calendar's jobs are keyed by it); create a new calendar and delete this one.");
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        var merged = stored.Spec.DeepClone().AsObject();
        var urlPatched = kind == SourceKind.Calendar && patch.ContainsKey("url");
        foreach (var (field, value) in patch)
        {
            if (field == "name" || (urlPatched && field == "url"))
            {
                continue;
            }

            if (value is null)
            {
                merged.Remove(field);
            }
            else
            {
                merged[field] = value.DeepClone();
            }
        }

        merged["name"] = stored.Name;

        // Checked as a whole, with the URL as patched, or standing in for the stored one (checked when it was written).
        var whole = merged.DeepClone().AsObject();
        if (urlPatched && patch["url"] is { } patchedUrl)
        {
            whole["url"] = patchedUrl.DeepClone();
        }
        else if (!urlPatched && stored.ProtectedUrl is not null)
        {
            whole["url"] = StoredUrlPlaceholder;
        }

        if (!Check(kind, whole, errors))
        {
            return SourceAnswer.Failed(400, ApiProblem.Validation(errors));
        }

        var (protectedUrl, urlShown) = (stored.ProtectedUrl, stored.UrlShown);
        if (urlPatched)
        {
            var url = TakeUrl(whole);
            var protection = await ProtectAsync(kind, stored.Name, url, cancellationToken).ConfigureAwait(false);
            if (protection.Problem is { } keyProblem)
            {
                return keyProblem;
            }

            (protectedUrl, urlShown) = (protection.Value, FeedUrlMask.Mask(url));
        }

        var specChanged = !JsonNode.DeepEquals(merged, stored.Spec);
        if (!specChanged && !urlPatched)
        {
            // Nothing to write; perhaps a retry of a PATCH whose bump failed, so bump all the same.
            await store.BumpAsync(cancellationToken).ConfigureAwait(false);
            return Ok(View(stored, await SyncAsync(stored, cancellationToken).ConfigureAwait(false)), stored);
        }

        var (result, saved) = await store.ReplaceAsync(
            stored with { Spec = merged, ProtectedUrl = protectedUrl, UrlShown = urlShown, UpdatedAt = Instants.Ms(time.GetUtcNow()) }, stored.ETag, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case StoreWrite.NotFound:
                return NotFound(kind, name);
            case StoreWrite.ETagMismatch:
                return ETagMismatch(kind);
        }

        var fields = string.Join(", ", patch.Select(p => p.Key));
        Log.Changed(logger, kind, stored.Name, fields);
        if (kind == SourceKind.Schedule && specChanged)
        {
            // Jobs made from the old definition are cancelled; the next run makes again those the new one
            // still has, with its meeting, agent and window (the runner revives source-changed jobs).
            var reset = await jobs.CancelScheduledAsync(
                OriginJobs.OriginOf(kind, stored.Name), CancelReasons.SourceChanged,
                $"Cancelled because schedule '{stored.Name}' was changed through the API; the next run schedules its occurrences again.", cancellationToken).ConfigureAwait(false);
            Log.Reset(logger, stored.Name, reset);
        }

        return Ok(View(saved!, await SyncAsync(saved!, cancellationToken).ConfigureAwait(false)), saved!);
    }

    /// <summary><c>DELETE</c>: 204; a calendar's or schedule's scheduled jobs are cancelled with it.</summary>
    public async Task<SourceAnswer> DeleteAsync(SourceKind kind, string name, string? ifMatch, CancellationToken cancellationToken)
    {
        var found = await FindWritableAsync(kind, name, ifMatch, cancellationToken).ConfigureAwait(false);
        if (found.Answer is { Status: 404 } && SourceDefinitions.IsValidName(name))
        {
            // Perhaps a retry of a delete whose bump failed: bump, so no reader keeps the source.
            await store.BumpAsync(cancellationToken).ConfigureAwait(false);
        }

        if (found.Answer is { Status: 404 } && SourceDefinitions.IsValidName(name) && kind != SourceKind.Rule)
        {
            // A delete that stopped between removing the source and cancelling its jobs finishes here when retried
            // (a calendar's jobs have one origin or the other, by its source).
            await CancelJobsAsync(kind, name, null, cancellationToken).ConfigureAwait(false);
            if (kind == SourceKind.Calendar)
            {
                await CancelJobsAsync(kind, name, SourceDefinitions.Microsoft365Source, cancellationToken).ConfigureAwait(false);
            }
        }

        if (found.Answer is { } refused)
        {
            return refused;
        }

        var stored = found.Source!;
        switch (await store.DeleteAsync(kind, stored.Name, stored.ETag, cancellationToken).ConfigureAwait(false))
        {
            case StoreWrite.NotFound:
                return NotFound(kind, name);
            case StoreWrite.ETagMismatch:
                return ETagMismatch(kind);
        }

        var cancelled = kind == SourceKind.Rule ? 0 : await CancelJobsAsync(kind, stored.Name, SourceOf(stored), cancellationToken).ConfigureAwait(false);
        Log.Deleted(logger, kind, stored.Name, cancelled);
        return new SourceAnswer(204);
    }

    /// <param name="source">A calendar's source: a mailbox's jobs have the origin <c>microsoft365:&lt;name&gt;</c>, a feed's <c>calendar:&lt;name&gt;</c>.</param>
    private Task<int> CancelJobsAsync(SourceKind kind, string name, string? source, CancellationToken cancellationToken)
        => jobs.CancelScheduledAsync(
            source == SourceDefinitions.Microsoft365Source ? new Microsoft365.MailboxDefinition(name, "").Origin : OriginJobs.OriginOf(kind, name), CancelReasons.SourceDeleted,
            $"Cancelled because {Noun(kind)} '{name}' was deleted through the API.", cancellationToken);

    private static string? SourceOf(StoredSource source) => source.Kind == SourceKind.Calendar ? Text(source.Spec, "source") ?? SourceDefinitions.IcalSource : null;

    private static bool IsMailbox(StoredSource source) => SourceOf(source) == SourceDefinitions.Microsoft365Source;

    /// <summary>A mailbox's sync as a calendar shows it: its last sync, error and next sync from the mailbox state table.</summary>
    private static CalendarSync? SyncOf(Microsoft365.MailboxState? state)
        => state is null ? null : new CalendarSync(state.LastSyncStartedAt, state.LastSyncAt, state.LastError, state.NextSyncAt);

    private const string StoredUrlPlaceholder = "https://stored.invalid/";

    /// <summary>The calendar's <c>url</c>, taken out of the fields that are stored in the clear.</summary>
    private static string? TakeUrl(JsonObject spec)
    {
        if (spec["url"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            spec.Remove("url");
            return value.GetValue<string>();
        }

        return null;
    }

    /// <summary>Checks the fields as a whole (a calendar's <c>url</c> included), with the settings' checks; false with <paramref name="errors"/> filled when they are not a valid source.</summary>
    private bool Check(SourceKind kind, JsonObject spec, RequestErrors errors) => kind switch
    {
        SourceKind.Calendar => SourceDefinitions.ReadCalendar(spec, vault.Value.VaultUri is not null, errors) is not null,
        SourceKind.Schedule => SourceDefinitions.ReadSchedule(spec, errors) is not null,
        _ => SourceDefinitions.ReadRule(spec, errors) is not null,
    };

    private async Task<(string? Value, SourceAnswer? Problem)> ProtectAsync(SourceKind kind, string name, string? url, CancellationToken cancellationToken)
    {
        if (kind != SourceKind.Calendar || url is null)
        {
            return (null, null);
        }

        try
        {
            return (await urls.ProtectAsync(name, url, cancellationToken).ConfigureAwait(false), null);
        }
        catch (SourceKeyUnavailableException ex)
        {
            var errors = new RequestErrors();
            errors.Add("url", "cannot be stored: " + ex.Message + " Configure the data key, or keep the URL in a Key Vault secret and give urlSecretName instead.");
            return (null, SourceAnswer.Failed(409, new ApiProblem(
                "data-key-unavailable", "Feed URLs cannot be stored right now.",
                "The feed URL is stored encrypted under the app's data key, which is not available: " + ex.Message) { Errors = errors }));
        }
    }

    /// <summary>The stored source a PATCH or DELETE may change, or the answer refusing it.</summary>
    private async Task<(StoredSource? Source, SourceAnswer? Answer)> FindWritableAsync(SourceKind kind, string name, string? ifMatch, CancellationToken cancellationToken)
    {
        if (!SourceDefinitions.IsValidName(name))
        {
            return (null, NotFound(kind, null));
        }

        if (settings.Defines(kind, name))
        {
            return (null, SourceAnswer.Failed(409, new ApiProblem(
                "read-only", $"The {Noun(kind)} is defined in settings.",
                $"The {Noun(kind)} '{name}' comes from the app settings ({SettingsSources.SettingOf(kind)}): it is read-only here; change or remove it in the settings.")
            {
                Extensions = new Dictionary<string, object?> { ["readOnly"] = true, ["definedIn"] = DefinedIn.Settings },
            }));
        }

        if (await store.GetAsync(kind, name, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return (null, NotFound(kind, name));
        }

        if (!string.IsNullOrEmpty(ifMatch) && ifMatch.Trim() != "*" && Opaque(ifMatch) != Opaque(stored.ETag))
        {
            return (null, ETagMismatch(kind));
        }

        return (stored, null);
    }

    /// <summary>An ETag without its weak marker: Table ETags are weak (<c>W/"…"</c>), and clients often send only the quoted part back.</summary>
    private static string Opaque(string etag) => etag.Trim() is var t && t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t;

    private async Task<CalendarSync?> SyncAsync(StoredSource source, CancellationToken cancellationToken)
        => source.Kind != SourceKind.Calendar ? null
            : IsMailbox(source) ? SyncOf(await mailboxStates.GetAsync(source.Name, cancellationToken).ConfigureAwait(false))
            : await store.GetSyncAsync(source.Name, cancellationToken).ConfigureAwait(false);

    private static SourceAnswer NotFound(SourceKind kind, string? name) => SourceAnswer.Failed(404, new ApiProblem(
        "not-found", $"No such {Noun(kind)}.", name is null ? $"No {Noun(kind)} can have this name." : $"No {Noun(kind)} is named '{name}'."));

    private static SourceAnswer ETagMismatch(SourceKind kind) => SourceAnswer.Failed(412, new ApiProblem(
        "etag-mismatch", $"The {Noun(kind)} has changed.", $"If-Match is not the {Noun(kind)}'s current ETag: it was changed since you read it. GET it again and retry."));

    public static string Noun(SourceKind kind) => kind.ToString().ToLowerInvariant();

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static SourceAnswer Ok(string json, StoredSource? source = null, int status = 200) => new(status, json, ETag: source?.ETag, Name: source?.Name);

    private string View(StoredSource source, CalendarSync? sync) => source.Kind switch
    {
        SourceKind.Calendar => Serialize(ApiCalendar(source, sync)),
        SourceKind.Schedule => JsonSerializer.Serialize(ApiSchedule(source), SourcesJsonContext.Default.ScheduleView),
        _ => JsonSerializer.Serialize(ApiRule(source), SourcesJsonContext.Default.RuleView),
    };

    private static string Serialize(CalendarView view) => JsonSerializer.Serialize(view, SourcesJsonContext.Default.CalendarView);

    private CalendarView SettingsCalendar(Calendars.CalendarFeedOptions feed, CalendarSync? sync) => new(
        feed.Name, SourceDefinitions.IcalSource, FeedUrlMask.Mask(feed.Url), feed.UrlSecretName, null, null, ReadOnly: true, DefinedIn.Settings, null, null, null,
        sync?.LastAttemptAt, sync?.LastSyncAt, sync?.LastError, sync?.NextSyncAt ?? NextPoll());

    private static CalendarView SettingsMailbox(Microsoft365.MailboxOptions mailbox, CalendarSync? sync) => new(
        mailbox.Name, SourceDefinitions.Microsoft365Source, null, null, mailbox.Mailbox, mailbox.AgentId, ReadOnly: true, DefinedIn.Settings, null, null, null,
        sync?.LastAttemptAt, sync?.LastSyncAt, sync?.LastError, sync?.NextSyncAt);

    private CalendarView ApiCalendar(StoredSource source, CalendarSync? sync) => new(
        source.Name,
        Text(source.Spec, "source") ?? SourceDefinitions.IcalSource,
        // The URL is never decrypted to be shown: its host is kept in the clear for this.
        source.ProtectedUrl is null ? null : source.UrlShown ?? "…",
        Text(source.Spec, "urlSecretName"),
        Text(source.Spec, "mailbox"),
        Text(source.Spec, "agentId"),
        ReadOnly: false,
        DefinedIn.Api,
        source.CreatedAt,
        source.UpdatedAt,
        source.ETag,
        sync?.LastAttemptAt,
        sync?.LastSyncAt,
        sync?.LastError,
        IsMailbox(source) ? sync?.NextSyncAt : sync?.NextSyncAt ?? NextPoll());

    private static ScheduleView SettingsSchedule(Schedule s) => new(
        s.Name, s.Cron, s.TimeZone.Id, s.Dispatch.MeetingId, s.Dispatch.AgentId, s.Dispatch.VersionId, s.Dispatch.Metadata,
        s.Window?.ToString("c", CultureInfo.InvariantCulture), ReadOnly: true, DefinedIn.Settings, null, null, null);

    private static ScheduleView ApiSchedule(StoredSource source)
    {
        var spec = source.Spec;
        JsonElement? metadata = spec["metadata"] switch
        {
            JsonObject o => JsonSerializer.SerializeToElement(o, SourceNodesJsonContext.Default.JsonObject),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => TryParseObject(v.GetValue<string>()),
            _ => null,
        };
        return new ScheduleView(
            source.Name, Text(spec, "cron"), Text(spec, "timeZone") ?? "UTC", Text(spec, "meetingId"), Text(spec, "agentId"), Text(spec, "versionId"),
            metadata, Text(spec, "window"), ReadOnly: false, DefinedIn.Api, source.CreatedAt, source.UpdatedAt, source.ETag);
    }

    private static RuleView SettingsRule(string name, Events.Routing.RoutingRuleOptions r) => new(
        name, r.Sources, r.EventTypes, r.EventTypePattern, r.TitlePattern, r.OrganizerDomains, r.AttendeeDomains, r.AgentId, r.VersionId,
        r.LeadTime?.ToString("c", CultureInfo.InvariantCulture), r.NotAfter?.ToString("c", CultureInfo.InvariantCulture),
        r.Variables.Count == 0 ? null : r.Variables, ReadOnly: true, DefinedIn.Settings, null, null, null);

    private static RuleView ApiRule(StoredSource source)
    {
        var spec = source.Spec;
        var variables = spec["variables"] as JsonObject;
        return new RuleView(
            source.Name, ListText(spec, "sources"), ListText(spec, "eventTypes"), Text(spec, "eventTypePattern"), Text(spec, "titlePattern"),
            ListText(spec, "organizerDomains"), ListText(spec, "attendeeDomains"), Text(spec, "agentId"), Text(spec, "versionId"),
            Text(spec, "leadTime"), Text(spec, "notAfter"),
            variables is null ? null : variables.Where(v => v.Value is JsonValue).ToDictionary(v => v.Key, v => v.Value!.GetValue<string>(), StringComparer.Ordinal),
            ReadOnly: false, DefinedIn.Api, source.CreatedAt, source.UpdatedAt, source.ETag);
    }

    /// <summary>When the calendar poll timer (<c>CALENDAR_POLL_SCHEDULE</c>) fires next, in UTC; null if it cannot be read.</summary>
    public DateTimeOffset? NextPoll() => CalendarPollSchedule.Next(configuration, time.GetUtcNow());

    private static string? Text(JsonObject spec, string field)
        => spec[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string? ListText(JsonObject spec, string field)
        => spec[field] is JsonArray array ? string.Join(',', array.Select(i => i?.GetValueKind() == JsonValueKind.String ? i.GetValue<string>() : "")) : Text(spec, field);

    private static JsonElement? TryParseObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class SourceNodesJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The calendar poll timer's schedule, for <c>nextSyncAt</c>.</summary>
public static class CalendarPollSchedule
{
    public static DateTimeOffset? Next(IConfiguration configuration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[TriggerSettings.CalendarPollSchedule.Name];
        return !string.IsNullOrWhiteSpace(text) && Time.CronParser.TryParse(text, out var expression, out _)
            ? expression.GetNextOccurrence(now.UtcDateTime, TimeZoneInfo.Utc) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null
            : null;
    }
}
