using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentDispatch.GraphEmulator;

/// <summary>
/// Everything the stand-in holds: mailboxes and their events, subscriptions, faults to inject, and a
/// record of requests and notifications for tests and the benchmark. Changes made through it (or the
/// control routes) notify the app's subscriptions the way Graph does. Thread-safe: one lock.
/// </summary>
public sealed class GraphState
{
    /// <summary>Graph's limit for subscriptions on Outlook events.</summary>
    public static readonly TimeSpan MaxSubscriptionLifetime = TimeSpan.FromMinutes(4230);

    public const string TenantId = "00000000-0000-0000-0000-0000000000aa";

    private readonly Lock _lock = new();
    private readonly List<EmulatedMailbox> _mailboxes = [];
    private readonly Dictionary<string, EmulatedSubscription> _subscriptions = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<GraphRequestRecord> _requests = [];
    private readonly List<NotificationRecord> _notifications = [];
    private readonly List<Task> _deliveries = [];
    private readonly TimeProvider _time;
    private readonly IHttpClientFactory _http;
    private long _version;
    private int _tokenEpoch;
    private int _throttleLeft;
    private TimeSpan _throttleFor;
    private DateTimeOffset? _throttledUntil;
    private int _earlyRequests;
    private int _notificationsToLose;
    private int _nextEventId;

    public GraphState(TimeProvider time, IHttpClientFactory http, int pageSize = 10)
    {
        _time = time;
        _http = http;
        PageSize = pageSize;
    }

    /// <summary>Items per delta page unless the request's <c>Prefer: odata.maxpagesize</c> asks for fewer.</summary>
    public int PageSize { get; }

    public TimeProvider Time => _time;

    // ---------------------------------------------------------------- mailboxes and events (the control side)

    public EmulatedMailbox AddMailbox(string upn, string? id = null)
    {
        lock (_lock)
        {
            var existing = _mailboxes.FirstOrDefault(m => m.Is(upn));
            if (existing is not null)
            {
                return existing;
            }

            var mailbox = new EmulatedMailbox { Upn = upn, Id = id ?? Guid.NewGuid().ToString() };
            _mailboxes.Add(mailbox);
            return mailbox;
        }
    }

    /// <summary>403 for every call on the mailbox (true), as when the permission was not granted; false grants it again.</summary>
    public void SetForbidden(string mailbox, bool forbidden)
    {
        lock (_lock)
        {
            Mailbox(mailbox).Forbidden = forbidden;
        }
    }

    /// <summary>Adds an event (a series when <paramref name="occurrences"/> &gt; 1) and notifies <c>created</c>.</summary>
    public string AddEvent(
        string mailbox, string subject, DateTimeOffset start, TimeSpan? duration = null, string? joinUrl = null, string? location = null,
        string? body = null, int occurrences = 1, TimeSpan? interval = null, string? organizerEmail = null)
    {
        EmulatedEvent added;
        EmulatedMailbox box;
        lock (_lock)
        {
            box = Mailbox(mailbox);
            added = new EmulatedEvent
            {
                Id = $"evt{Interlocked.Increment(ref _nextEventId):D4}{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4))}",
                Subject = subject,
                Start = start,
                Duration = duration ?? TimeSpan.FromMinutes(30),
                JoinUrl = joinUrl,
                Location = location,
                Body = body,
                Occurrences = Math.Max(1, occurrences),
                Interval = interval ?? TimeSpan.FromDays(1),
                OrganizerEmail = organizerEmail,
            };
            Touch(added);
            box.Events[added.Id] = added;
        }

        Notify(box, added.Id, "created");
        return added.Id;
    }

    /// <summary>Changes an event (or, with <paramref name="occurrence"/>, one occurrence of a series) and notifies <c>updated</c>.</summary>
    public void UpdateEvent(string mailbox, string eventId, Action<EmulatedEvent> change, int? occurrence = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        EmulatedMailbox box;
        lock (_lock)
        {
            box = Mailbox(mailbox);
            var evt = box.Events.TryGetValue(eventId, out var found) && !found.Deleted ? found : throw new KeyNotFoundException($"No event {eventId}.");
            change(evt);
            Touch(evt);
        }

        Notify(box, occurrence is { } n ? $"{eventId}_occ{n}" : eventId, "updated");
    }

    public void MoveEvent(string mailbox, string eventId, DateTimeOffset start) => UpdateEvent(mailbox, eventId, e => e.Start = start);

    public void CancelEvent(string mailbox, string eventId) => UpdateEvent(mailbox, eventId, e => e.Cancelled = true);

    public void CancelOccurrence(string mailbox, string eventId, int index) => UpdateEvent(mailbox, eventId, e => e.CancelledOccurrences.Add(index), index);

    public void MoveOccurrence(string mailbox, string eventId, int index, DateTimeOffset start) => UpdateEvent(mailbox, eventId, e => e.MovedOccurrences[index] = start, index);

    public void DeleteEvent(string mailbox, string eventId)
    {
        EmulatedMailbox box;
        lock (_lock)
        {
            box = Mailbox(mailbox);
            var evt = box.Events.TryGetValue(eventId, out var found) ? found : throw new KeyNotFoundException($"No event {eventId}.");
            evt.Deleted = true;
            Touch(evt);
        }

        Notify(box, eventId, "deleted");
    }

    // ---------------------------------------------------------------- faults

    /// <summary>The next <paramref name="count"/> Graph API requests answer 429 with <c>Retry-After</c>; a request before that time has passed is counted as early.</summary>
    public void ThrottleNext(int count, TimeSpan retryAfter)
    {
        lock (_lock)
        {
            _throttleLeft = count;
            _throttleFor = retryAfter;
        }
    }

    /// <summary>The next <paramref name="count"/> change notifications are not sent (as if lost on the way).</summary>
    public void LoseNextNotifications(int count)
    {
        lock (_lock)
        {
            _notificationsToLose = count;
        }
    }

    /// <summary>Every delta link given out so far answers 410 <c>syncStateNotFound</c>.</summary>
    public void ExpireDeltaTokens()
    {
        lock (_lock)
        {
            _tokenEpoch++;
        }
    }

    /// <summary>Removes a subscription as Graph does and sends <c>subscriptionRemoved</c> to its lifecycle URL.</summary>
    public void RemoveSubscription(string subscriptionId) => SendLifecycle(subscriptionId, "subscriptionRemoved");

    /// <summary>Sends a lifecycle notification (<c>subscriptionRemoved</c> also removes the subscription).</summary>
    public void SendLifecycle(string subscriptionId, string lifecycleEvent)
    {
        EmulatedSubscription subscription;
        lock (_lock)
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out subscription!))
            {
                throw new KeyNotFoundException($"No subscription {subscriptionId}.");
            }

            if (lifecycleEvent == "subscriptionRemoved")
            {
                _subscriptions.Remove(subscriptionId);
            }
        }

        if (subscription.LifecycleNotificationUrl is { } url)
        {
            var item = new JsonObject
            {
                ["subscriptionId"] = subscription.Id,
                ["subscriptionExpirationDateTime"] = subscription.ExpiresAt.ToString("o", CultureInfo.InvariantCulture),
                ["tenantId"] = TenantId,
                ["clientState"] = subscription.ClientState,
                ["lifecycleEvent"] = lifecycleEvent,
            };
            Deliver(subscription, url, item, "lifecycle:" + lifecycleEvent, lose: false);
        }
    }

    // ---------------------------------------------------------------- what happened (for tests and the benchmark)

    public IReadOnlyList<GraphRequestRecord> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<NotificationRecord> Notifications
    {
        get
        {
            lock (_lock)
            {
                return [.. _notifications];
            }
        }
    }

    public IReadOnlyList<EmulatedSubscription> Subscriptions
    {
        get
        {
            lock (_lock)
            {
                return [.. _subscriptions.Values];
            }
        }
    }

    /// <summary>Requests that came while a Retry-After the stand-in gave had not yet passed.</summary>
    public int EarlyRequests => Volatile.Read(ref _earlyRequests);

    /// <summary>Waits for the notifications sent so far to be answered by the app.</summary>
    public Task DeliveriesAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_deliveries.ToArray());
        }
    }

    // ---------------------------------------------------------------- the Graph API side (called by the endpoints)

    /// <summary>The fault answer for a request of <paramref name="kind"/>, if one applies; the request is recorded either way by <see cref="Record"/>.</summary>
    internal (int Status, TimeSpan? RetryAfter)? Throttle()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_throttleLeft > 0)
            {
                _throttleLeft--;
                _throttledUntil = now + _throttleFor;
                return (429, _throttleFor);
            }

            if (_throttledUntil is { } until && now < until)
            {
                _earlyRequests++;
                return (429, until - now);
            }

            return null;
        }
    }

    internal void Record(string method, string kind, int status)
    {
        lock (_lock)
        {
            _requests.Add(new GraphRequestRecord(method, kind, status, _time.GetUtcNow()));
        }
    }

    internal EmulatedMailbox? FindMailbox(string idOrUpn)
    {
        lock (_lock)
        {
            return _mailboxes.FirstOrDefault(m => m.Is(idOrUpn));
        }
    }

    internal EmulatedSubscription AddSubscription(EmulatedSubscription subscription)
    {
        lock (_lock)
        {
            _subscriptions[subscription.Id] = subscription;
            return subscription;
        }
    }

    internal EmulatedSubscription? Renew(string id, DateTimeOffset expiresAt)
    {
        lock (_lock)
        {
            if (!_subscriptions.TryGetValue(id, out var found))
            {
                return null;
            }

            return _subscriptions[id] = found with { ExpiresAt = expiresAt };
        }
    }

    internal bool HasSubscription(string id)
    {
        lock (_lock)
        {
            return _subscriptions.ContainsKey(id);
        }
    }

    internal bool DeleteSubscription(string id)
    {
        lock (_lock)
        {
            return _subscriptions.Remove(id);
        }
    }

    /// <summary>
    /// One delta page. A token is <c>epoch|start|end|since|upto|skip</c>: the window, the change counter
    /// already read (<c>since</c>), the counter this round reads up to (<c>upto</c>), and the offset.
    /// </summary>
    internal DeltaAnswer Delta(EmulatedMailbox mailbox, DateTimeOffset? start, DateTimeOffset? end, string? token, int pageSize, Uri baseUri)
    {
        lock (_lock)
        {
            long since = 0, upto = _version;
            var skip = 0;
            if (token is not null)
            {
                var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/').PadRight((token.Length + 3) / 4 * 4, '='))).Split('|');
                if (int.Parse(parts[0], CultureInfo.InvariantCulture) != _tokenEpoch)
                {
                    return DeltaAnswer.Gone;
                }

                start = new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero);
                end = new DateTimeOffset(long.Parse(parts[2], CultureInfo.InvariantCulture), TimeSpan.Zero);
                since = long.Parse(parts[3], CultureInfo.InvariantCulture);
                upto = parts[4] == "*" ? _version : long.Parse(parts[4], CultureInfo.InvariantCulture);
                skip = int.Parse(parts[5], CultureInfo.InvariantCulture);
            }

            if (start is not { } from || end is not { } to)
            {
                return DeltaAnswer.BadRequest;
            }

            var items = new List<JsonObject>();
            foreach (var evt in mailbox.Events.Values.Where(e => e.Version > since && e.Version <= upto).OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                for (var i = 0; i < evt.Occurrences; i++)
                {
                    var occurrenceStart = evt.OccurrenceStart(i);
                    var inWindow = occurrenceStart < to && occurrenceStart + evt.Duration > from;
                    if (evt.Deleted || !inWindow)
                    {
                        if (since > 0)
                        {
                            items.Add(new JsonObject { ["id"] = evt.OccurrenceId(i), ["@removed"] = new JsonObject { ["reason"] = evt.Deleted ? "deleted" : "changed" } });
                        }

                        continue;
                    }

                    if (since == 0 && evt.OccurrenceCancelled(i))
                    {
                        continue; // a first sync lists what is there
                    }

                    items.Add(Item(mailbox, evt, i));
                }
            }

            var page = items.Skip(skip).Take(pageSize).ToList();
            var answer = new JsonObject { ["@odata.context"] = new Uri(baseUri, $"$metadata#Collection(event)").AbsoluteUri, ["value"] = new JsonArray([.. page]) };
            var link = new Uri(baseUri, $"users/{Uri.EscapeDataString(mailbox.Upn)}/calendarView/delta").AbsoluteUri;
            if (skip + page.Count < items.Count)
            {
                answer["@odata.nextLink"] = $"{link}?$skiptoken={Token(from, to, since, upto, skip + page.Count)}";
            }
            else
            {
                answer["@odata.deltaLink"] = $"{link}?$deltatoken={Token(from, to, upto, -1, 0)}";
            }

            return new DeltaAnswer(200, answer);
        }
    }

    private string Token(DateTimeOffset from, DateTimeOffset to, long since, long upto, int skip)
    {
        var text = string.Join('|', _tokenEpoch, from.UtcTicks, to.UtcTicks, since, upto < 0 ? "*" : upto.ToString(CultureInfo.InvariantCulture), skip);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static JsonObject Item(EmulatedMailbox mailbox, EmulatedEvent evt, int index)
    {
        var start = evt.OccurrenceStart(index);
        var item = new JsonObject
        {
            ["@odata.type"] = "#microsoft.graph.event",
            ["id"] = evt.OccurrenceId(index),
            ["subject"] = evt.Subject,
            ["type"] = evt.IsSeries ? (evt.MovedOccurrences.ContainsKey(index) ? "exception" : "occurrence") : "singleInstance",
            ["isCancelled"] = evt.OccurrenceCancelled(index),
            ["lastModifiedDateTime"] = evt.LastModified.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            ["start"] = DateTimeTimeZone(start),
            ["end"] = DateTimeTimeZone(start + evt.Duration),
            ["location"] = new JsonObject { ["displayName"] = evt.Location ?? "" },
            ["body"] = new JsonObject { ["contentType"] = "html", ["content"] = evt.Body is null ? "" : $"<html><body><p>{System.Net.WebUtility.HtmlEncode(evt.Body)}</p></body></html>" },
            ["organizer"] = new JsonObject { ["emailAddress"] = new JsonObject { ["name"] = evt.OrganizerEmail ?? mailbox.Upn, ["address"] = evt.OrganizerEmail ?? mailbox.Upn } },
            ["isOnlineMeeting"] = evt.JoinUrl is not null,
        };
        if (evt.IsSeries)
        {
            item["seriesMasterId"] = evt.Id;
        }

        if (evt.JoinUrl is not null)
        {
            item["onlineMeeting"] = new JsonObject { ["joinUrl"] = evt.JoinUrl };
        }

        return item;
    }

    private static JsonObject DateTimeTimeZone(DateTimeOffset at) => new()
    {
        ["dateTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        ["timeZone"] = "UTC",
    };

    private EmulatedMailbox Mailbox(string idOrUpn) => _mailboxes.FirstOrDefault(m => m.Is(idOrUpn)) ?? throw new KeyNotFoundException($"No mailbox {idOrUpn}.");

    private void Touch(EmulatedEvent evt)
    {
        evt.Version = ++_version;
        // Strictly increasing even within one clock tick: the app orders changes by it.
        var now = _time.GetUtcNow();
        evt.LastModified = now > evt.LastModified ? now : evt.LastModified.AddTicks(1);
    }

    private void Notify(EmulatedMailbox mailbox, string eventId, string changeType)
    {
        List<EmulatedSubscription> targets;
        lock (_lock)
        {
            targets = _subscriptions.Values.Where(s => Targets(s, mailbox) && s.ChangeType.Split(',').Contains(changeType)).ToList();
        }

        foreach (var subscription in targets)
        {
            bool lose;
            lock (_lock)
            {
                lose = _notificationsToLose > 0;
                if (lose)
                {
                    _notificationsToLose--;
                }
            }

            var item = new JsonObject
            {
                ["subscriptionId"] = subscription.Id,
                ["subscriptionExpirationDateTime"] = subscription.ExpiresAt.ToString("o", CultureInfo.InvariantCulture),
                ["changeType"] = changeType,
                ["resource"] = $"Users/{mailbox.Id}/Events/{eventId}",
                ["resourceData"] = new JsonObject { ["@odata.type"] = "#Microsoft.Graph.Event", ["@odata.id"] = $"Users/{mailbox.Id}/Events/{eventId}", ["id"] = eventId },
                ["clientState"] = subscription.ClientState,
                ["tenantId"] = TenantId,
            };
            Deliver(subscription, subscription.NotificationUrl, item, "change:" + changeType, lose);
        }
    }

    private static bool Targets(EmulatedSubscription subscription, EmulatedMailbox mailbox) => mailbox.Is(subscription.Mailbox);

    private void Deliver(EmulatedSubscription subscription, Uri url, JsonObject item, string kind, bool lose)
    {
        if (lose)
        {
            lock (_lock)
            {
                _notifications.Add(new NotificationRecord(subscription.Id, kind, true, null, _time.GetUtcNow()));
            }

            return;
        }

        var body = new JsonObject { ["value"] = new JsonArray(item) }.ToJsonString();
        var delivery = Task.Run(async () =>
        {
            int? status = null;
            try
            {
                using var client = _http.CreateClient(GraphEmulatorApp.NotificationClient);
                using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
                using var response = await client.PostAsync(url, content).ConfigureAwait(false);
                status = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                // The app did not answer: Graph would retry for hours; the stand-in records it and goes on.
            }
            catch (TaskCanceledException)
            {
            }

            lock (_lock)
            {
                _notifications.Add(new NotificationRecord(subscription.Id, kind, false, status, _time.GetUtcNow()));
            }
        });
        lock (_lock)
        {
            _deliveries.RemoveAll(t => t.IsCompleted);
            _deliveries.Add(delivery);
        }
    }
}

internal sealed record DeltaAnswer(int Status, JsonObject? Body)
{
    public static readonly DeltaAnswer Gone = new(410, null);

    public static readonly DeltaAnswer BadRequest = new(400, null);
}
