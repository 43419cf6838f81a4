using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDispatch.GraphEmulator;

/// <summary>
/// The stand-in's own routes under <c>/_graph</c>, for a person or a test driving it over HTTP:
/// mailboxes, events (add, move, cancel, delete, a series' occurrence), faults, lifecycle events and
/// what happened. Each mirrors a method of <see cref="GraphState"/>.
/// </summary>
internal sealed class ControlEndpoints(GraphState state)
{
    public const string Prefix = "/_graph";

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut(Prefix + "/users/{user}", context => Run(context, async body =>
        {
            var mailbox = state.AddMailbox((string)context.Request.RouteValues["user"]!, (string?)body?["id"]);
            if (body?["forbidden"] is { } forbidden)
            {
                state.SetForbidden(mailbox.Upn, (bool)forbidden);
            }

            await GraphEndpoints.JsonAsync(context, 200, new JsonObject { ["upn"] = mailbox.Upn, ["id"] = mailbox.Id, ["forbidden"] = mailbox.Forbidden }).ConfigureAwait(false);
        }));
        endpoints.MapPost(Prefix + "/users/{user}/events", context => Run(context, async body =>
        {
            var id = state.AddEvent(
                (string)context.Request.RouteValues["user"]!,
                (string?)body?["subject"] ?? "",
                Time(body?["start"]) ?? throw new FormatException("start is required"),
                body?["durationMinutes"] is { } minutes ? TimeSpan.FromMinutes((double)minutes) : null,
                (string?)body?["joinUrl"],
                (string?)body?["location"],
                (string?)body?["body"],
                body?["occurrences"] is { } n ? (int)n : 1,
                body?["intervalHours"] is { } hours ? TimeSpan.FromHours((double)hours) : null);
            await GraphEndpoints.JsonAsync(context, 201, new JsonObject { ["id"] = id }).ConfigureAwait(false);
        }));
        endpoints.MapMethods(Prefix + "/users/{user}/events/{id}", ["PATCH"], context => Run(context, async body =>
        {
            var user = (string)context.Request.RouteValues["user"]!;
            var id = (string)context.Request.RouteValues["id"]!;
            if (body?["occurrence"] is { } occurrence)
            {
                var index = (int)occurrence;
                if (Time(body["start"]) is { } moved)
                {
                    state.MoveOccurrence(user, id, index, moved);
                }

                if (body["isCancelled"] is { } cancelled && (bool)cancelled)
                {
                    state.CancelOccurrence(user, id, index);
                }
            }
            else
            {
                state.UpdateEvent(user, id, e =>
                {
                    e.Start = Time(body?["start"]) ?? e.Start;
                    e.Subject = (string?)body?["subject"] ?? e.Subject;
                    e.JoinUrl = body?["joinUrl"] is { } url ? (string?)url : e.JoinUrl;
                    e.Cancelled = body?["isCancelled"] is { } c ? (bool)c : e.Cancelled;
                });
            }

            context.Response.StatusCode = 204;
        }));
        endpoints.MapDelete(Prefix + "/users/{user}/events/{id}", context => Run(context, (JsonNode? _) =>
        {
            state.DeleteEvent((string)context.Request.RouteValues["user"]!, (string)context.Request.RouteValues["id"]!);
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        }));
        endpoints.MapPost(Prefix + "/faults", context => Run(context, async body =>
        {
            switch ((string?)body?["kind"])
            {
                case "throttle":
                    state.ThrottleNext(body!["count"] is { } c ? (int)c : 1, TimeSpan.FromSeconds(body["retryAfterSeconds"] is { } s ? (double)s : 1));
                    break;
                case "loseNotifications":
                    state.LoseNextNotifications(body!["count"] is { } lost ? (int)lost : 1);
                    break;
                case "expireDeltaTokens":
                    state.ExpireDeltaTokens();
                    break;
                case "forbid" or "allow":
                    state.SetForbidden((string?)body!["mailbox"] ?? throw new FormatException("mailbox is required"), (string?)body["kind"] == "forbid");
                    break;
                default:
                    await GraphEndpoints.ErrorAsync(context, 400, "BadRequest", "kind must be throttle, loseNotifications, expireDeltaTokens, forbid or allow.").ConfigureAwait(false);
                    return;
            }

            context.Response.StatusCode = 204;
        }));
        endpoints.MapPost(Prefix + "/subscriptions/{id}/lifecycle", context => Run(context, (JsonNode? body) =>
        {
            state.SendLifecycle((string)context.Request.RouteValues["id"]!, (string?)body?["lifecycleEvent"] ?? "subscriptionRemoved");
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        }));
        endpoints.MapGet(Prefix + "/stats", StatsAsync);
    }

    private async Task StatsAsync(HttpContext context)
    {
        await GraphEndpoints.JsonAsync(context, 200, new JsonObject
        {
            ["requests"] = new JsonArray([.. state.Requests.GroupBy(r => r.Kind).Select(g => (JsonNode)new JsonObject { ["kind"] = g.Key, ["count"] = g.Count() })]),
            ["earlyRequests"] = state.EarlyRequests,
            ["notifications"] = state.Notifications.Count(n => !n.Lost),
            ["notificationsLost"] = state.Notifications.Count(n => n.Lost),
            ["subscriptions"] = new JsonArray([.. state.Subscriptions.Select(s => (JsonNode)new JsonObject { ["id"] = s.Id, ["resource"] = s.Resource, ["expirationDateTime"] = s.ExpiresAt.ToString("o", CultureInfo.InvariantCulture) })]),
        }).ConfigureAwait(false);
    }

    private static async Task Run(HttpContext context, Func<JsonNode?, Task> handle)
    {
        try
        {
            var body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
                ? await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false)
                : null;
            await handle(body).ConfigureAwait(false);
        }
        catch (KeyNotFoundException ex)
        {
            await GraphEndpoints.ErrorAsync(context, 404, "NotFound", ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            await GraphEndpoints.ErrorAsync(context, 400, "BadRequest", ex.Message).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset? Time(JsonNode? node)
        => node is not null && DateTimeOffset.TryParse((string?)node, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
