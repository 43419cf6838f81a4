using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentDispatch.GraphEmulator;

/// <summary>
/// The Graph routes the app calls, under <c>/v1.0</c>: <c>POST/PATCH/DELETE /subscriptions</c>,
/// <c>POST /subscriptions/{id}/reauthorize</c> and <c>GET /users/{id}/calendarView/delta</c>. Every request
/// needs a bearer token (any), and may meet an injected fault first.
/// </summary>
internal sealed class GraphEndpoints(GraphState state, IHttpClientFactory http)
{
    public const string Prefix = "/v1.0";

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Prefix + "/subscriptions", context => Guarded(context, "subscribe", CreateSubscriptionAsync));
        endpoints.MapMethods(Prefix + "/subscriptions/{id}", ["PATCH"], context => Guarded(context, "renew", RenewAsync));
        endpoints.MapDelete(Prefix + "/subscriptions/{id}", context => Guarded(context, "unsubscribe", DeleteAsync));
        endpoints.MapPost(Prefix + "/subscriptions/{id}/reauthorize", context => Guarded(context, "reauthorize", ReauthorizeAsync));
        // The SDK writes the function call as Graph's OData does, "delta()"; links Graph gives out say "delta".
        endpoints.MapGet(Prefix + "/users/{user}/calendarView/delta", context => Guarded(context, "delta", DeltaAsync));
        endpoints.MapGet(Prefix + "/users/{user}/calendarView/delta()", context => Guarded(context, "delta", DeltaAsync));
    }

    private async Task Guarded(HttpContext context, string kind, Func<HttpContext, Task<int>> handle)
    {
        int status;
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
        {
            status = await ErrorAsync(context, 401, "InvalidAuthenticationToken", "Access token is empty.").ConfigureAwait(false);
        }
        else if (state.Throttle() is { } throttle)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(throttle.RetryAfter!.Value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            status = await ErrorAsync(context, 429, "TooManyRequests", "Application is over its MailboxConcurrency limit.").ConfigureAwait(false);
        }
        else
        {
            status = await handle(context).ConfigureAwait(false);
        }

        state.Record(context.Request.Method, kind, status);
    }

    private async Task<int> CreateSubscriptionAsync(HttpContext context)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false) as JsonObject ?? throw new JsonException();
        }
        catch (JsonException)
        {
            return await ErrorAsync(context, 400, "BadRequest", "The body is not a subscription.").ConfigureAwait(false);
        }

        var changeType = (string?)body["changeType"];
        var resource = (string?)body["resource"];
        var clientState = (string?)body["clientState"];
        var expires = DateTimeOffset.TryParse((string?)body["expirationDateTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var e) ? e : (DateTimeOffset?)null;
        if (!Uri.TryCreate((string?)body["notificationUrl"], UriKind.Absolute, out var notificationUrl) || string.IsNullOrWhiteSpace(changeType) || resource is null || expires is null)
        {
            return await ErrorAsync(context, 400, "ExtensionError", "changeType, notificationUrl, resource and expirationDateTime are required.").ConfigureAwait(false);
        }

        Uri? lifecycleUrl = Uri.TryCreate((string?)body["lifecycleNotificationUrl"], UriKind.Absolute, out var l) ? l : null;
        var now = state.Time.GetUtcNow();
        if (expires <= now || expires > now + GraphState.MaxSubscriptionLifetime)
        {
            return await ErrorAsync(context, 400, "ExtensionError", "Subscription expiration can only be 4230 minutes in the future.").ConfigureAwait(false);
        }

        if (clientState is { Length: > 128 })
        {
            return await ErrorAsync(context, 400, "ExtensionError", "clientState can be at most 128 characters.").ConfigureAwait(false);
        }

        var parts = resource.Split('/');
        if (parts.Length != 3 || !parts[0].Equals("users", StringComparison.OrdinalIgnoreCase) || !parts[2].Equals("events", StringComparison.OrdinalIgnoreCase))
        {
            return await ErrorAsync(context, 400, "ExtensionError", "The stand-in supports users/{id}/events only.").ConfigureAwait(false);
        }

        if (Check(parts[1]) is { } refused)
        {
            return await ErrorAsync(context, refused.Status, refused.Code, refused.Message).ConfigureAwait(false);
        }

        // As Graph does: the notification URL (and the lifecycle URL) must echo a validation token first.
        foreach (var url in new[] { notificationUrl, lifecycleUrl }.OfType<Uri>())
        {
            if (!await ValidatesAsync(url, context.RequestAborted).ConfigureAwait(false))
            {
                return await ErrorAsync(context, 400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.").ConfigureAwait(false);
            }
        }

        var subscription = state.AddSubscription(new EmulatedSubscription(
            Guid.NewGuid().ToString(), parts[1], resource, changeType, notificationUrl, lifecycleUrl, clientState, expires.Value));
        return await JsonAsync(context, 201, View(subscription)).ConfigureAwait(false);
    }

    private async Task<int> RenewAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var body = await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false);
        if (!DateTimeOffset.TryParse((string?)body?["expirationDateTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires)
            || expires > state.Time.GetUtcNow() + GraphState.MaxSubscriptionLifetime)
        {
            return await ErrorAsync(context, 400, "ExtensionError", "Subscription expiration can only be 4230 minutes in the future.").ConfigureAwait(false);
        }

        return state.Renew(id, expires) is { } renewed
            ? await JsonAsync(context, 200, View(renewed)).ConfigureAwait(false)
            : await ErrorAsync(context, 404, "ResourceNotFound", "The object was not found.").ConfigureAwait(false);
    }

    private async Task<int> DeleteAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (!state.DeleteSubscription(id))
        {
            return await ErrorAsync(context, 404, "ResourceNotFound", "The object was not found.").ConfigureAwait(false);
        }

        context.Response.StatusCode = 204;
        return 204;
    }

    private async Task<int> ReauthorizeAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        if (!state.HasSubscription(id))
        {
            return await ErrorAsync(context, 404, "ResourceNotFound", "The object was not found.").ConfigureAwait(false);
        }

        context.Response.StatusCode = 204;
        return 204;
    }

    private async Task<int> DeltaAsync(HttpContext context)
    {
        var user = (string)context.Request.RouteValues["user"]!;
        if (Check(user) is { } refused)
        {
            return await ErrorAsync(context, refused.Status, refused.Code, refused.Message).ConfigureAwait(false);
        }

        var query = context.Request.Query;
        var token = query["$deltatoken"].FirstOrDefault() ?? query["$skiptoken"].FirstOrDefault();
        DateTimeOffset? start = Parse(query["startDateTime"].FirstOrDefault());
        DateTimeOffset? end = Parse(query["endDateTime"].FirstOrDefault());
        var pageSize = state.PageSize;
        foreach (var prefer in context.Request.Headers["Prefer"].SelectMany(p => (p ?? "").Split(',')))
        {
            var part = prefer.Trim();
            if (part.StartsWith("odata.maxpagesize=", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(part["odata.maxpagesize=".Length..], CultureInfo.InvariantCulture, out var asked) && asked > 0)
            {
                pageSize = Math.Min(pageSize, asked);
            }
        }

        var baseUri = new Uri($"{context.Request.Scheme}://{context.Request.Host}{Prefix}/");
        DeltaAnswer answer;
        try
        {
            answer = state.Delta(state.FindMailbox(user)!, start, end, token, pageSize, baseUri);
        }
        catch (FormatException)
        {
            answer = DeltaAnswer.BadRequest;
        }

        return answer.Status switch
        {
            200 => await JsonAsync(context, 200, answer.Body!).ConfigureAwait(false),
            410 => await ErrorAsync(context, 410, "syncStateNotFound", "The sync state generation is not found.").ConfigureAwait(false),
            _ => await ErrorAsync(context, 400, "ErrorInvalidParameter", "startDateTime and endDateTime are required on the first request.").ConfigureAwait(false),
        };
    }

    private (int Status, string Code, string Message)? Check(string user)
    {
        var mailbox = state.FindMailbox(user);
        if (mailbox is null)
        {
            return (404, "ErrorInvalidUser", $"The requested user '{user}' is invalid.");
        }

        return mailbox.Forbidden ? (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.") : null;
    }

    private async Task<bool> ValidatesAsync(Uri url, CancellationToken cancellationToken)
    {
        var token = "Validation: Testing client application reachability for subscription Request-Id: " + Guid.NewGuid();
        var target = new UriBuilder(url) { Query = (string.IsNullOrEmpty(url.Query) ? "" : url.Query.TrimStart('?') + "&") + "validationToken=" + Uri.EscapeDataString(token) }.Uri;
        try
        {
            using var client = http.CreateClient(GraphEmulatorApp.NotificationClient);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var content = new StringContent("", Encoding.UTF8, "text/plain");
            using var response = await client.PostAsync(target, content, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return (int)response.StatusCode == 200
                   && response.Content.Headers.ContentType?.MediaType == "text/plain"
                   && text == token;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private static DateTimeOffset? Parse(string? text)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    private static JsonObject View(EmulatedSubscription s) => new()
    {
        ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        ["id"] = s.Id,
        ["resource"] = s.Resource,
        ["changeType"] = s.ChangeType,
        ["notificationUrl"] = s.NotificationUrl.AbsoluteUri,
        ["lifecycleNotificationUrl"] = s.LifecycleNotificationUrl?.AbsoluteUri,
        ["expirationDateTime"] = s.ExpiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        ["clientState"] = s.ClientState,
    };

    internal static async Task<int> JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
        return status;
    }

    internal static Task<int> ErrorAsync(HttpContext context, int status, string code, string message)
        => JsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject { ["request-id"] = Guid.NewGuid().ToString() },
            },
        });
}
