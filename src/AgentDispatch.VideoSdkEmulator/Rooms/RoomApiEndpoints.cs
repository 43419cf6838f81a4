using System.Globalization;
using AgentDispatch.VideoSdkEmulator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using static AgentDispatch.VideoSdkEmulator.Hosting.HttpJson;

namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>
/// VideoSDK's rooms and sessions REST routes, in the shapes the public API answers: how a caller
/// confirms that a dispatched agent really is in the room. Same <c>Authorization</c> check as the dispatch.
/// </summary>
internal sealed class RoomApiEndpoints(EmulatorState state)
{
    public const int DefaultPerPage = 20;
    public const string SessionNotFound = "Session not found";

    private static EmulatorJsonContext Json => EmulatorJsonContext.Wire;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v2/sessions", ListSessions);
        endpoints.MapGet("/v2/sessions/{sessionId}", GetSession);
        endpoints.MapGet("/v2/sessions/{sessionId}/participants/active", ListActiveParticipants);
        endpoints.MapGet("/v2/sessions/{sessionId}/participants", ListAllParticipants);
        endpoints.MapPost("/v2/rooms", CreateRoom);
    }

    private async Task ListSessions(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var (ok, page, perPage) = await TryReadPagingAsync(context).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var query = context.Request.Query;
        var status = Optional(query["status"]);
        if (status is not (null or SessionInfo.Ongoing or SessionInfo.Ended))
        {
            await MessageAsync(context, StatusCodes.Status400BadRequest, "status must be ongoing or ended.").ConfigureAwait(false);
            return;
        }

        var sessions = state.FindSessions(Optional(query["roomId"]), Optional(query["customRoomId"]), status);
        await WriteAsync(context, PagedBody<SessionInfo>.Of(sessions, page, perPage), Json.PagedBodySessionInfo).ConfigureAwait(false);
    }

    private async Task GetSession(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        if (FindSession(context) is not { } session)
        {
            await MessageAsync(context, StatusCodes.Status404NotFound, SessionNotFound).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, session, Json.SessionInfo).ConfigureAwait(false);
    }

    private Task ListActiveParticipants(HttpContext context) => ListParticipantsAsync(context, activeOnly: true);

    private Task ListAllParticipants(HttpContext context) => ListParticipantsAsync(context, activeOnly: false);

    private async Task ListParticipantsAsync(HttpContext context, bool activeOnly)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var (ok, page, perPage) = await TryReadPagingAsync(context).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        if (FindSession(context) is not { } session)
        {
            await MessageAsync(context, StatusCodes.Status404NotFound, SessionNotFound).ConfigureAwait(false);
            return;
        }

        var participants = activeOnly ? session.Participants.Where(p => p.IsActive).ToArray() : session.Participants;
        await WriteAsync(context, PagedBody<ParticipantInfo>.Of(participants, page, perPage), Json.PagedBodyParticipantInfo).ConfigureAwait(false);
    }

    private async Task CreateRoom(HttpContext context)
    {
        if (!await AuthorizeAsync(context).ConfigureAwait(false))
        {
            return;
        }

        // VideoSDK accepts an empty body: a room with nothing custom.
        var request = context.Request.ContentLength == 0
            ? new CreateRoomRequest()
            : await ReadAsync(context, Json.CreateRoomRequest).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        RoomBody room;
        try
        {
            room = state.CreateRoom(string.IsNullOrWhiteSpace(request.CustomRoomId) ? null : request.CustomRoomId, request.Webhook);
        }
        catch (ArgumentException ex)
        {
            await BadRequest(context, ex).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, room, Json.RoomBody).ConfigureAwait(false);
    }

    private SessionInfo? FindSession(HttpContext context) =>
        context.Request.RouteValues["sessionId"] is string id ? state.GetSession(id) : null;

    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        state.CountRoomApiRequest();
        var header = context.Request.Headers.Authorization;
        var refusal = await state.Authorizer.CheckAsync(header.Count == 0 ? null : header.ToString()).ConfigureAwait(false);
        if (refusal is null)
        {
            return true;
        }

        await WriteRawAsync(context, StatusCodes.Status401Unauthorized, refusal).ConfigureAwait(false);
        return false;
    }

    /// <summary>Reads <c>page</c> and <c>perPage</c> (defaults 1 and 20); answers 400 itself when one is not a positive integer.</summary>
    private static async Task<(bool Ok, int Page, int PerPage)> TryReadPagingAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!TryReadPositive(query["page"], 1, out var page))
        {
            await MessageAsync(context, StatusCodes.Status400BadRequest, "page must be a positive integer.").ConfigureAwait(false);
            return (false, 0, 0);
        }

        if (!TryReadPositive(query["perPage"], DefaultPerPage, out var perPage))
        {
            await MessageAsync(context, StatusCodes.Status400BadRequest, "perPage must be a positive integer.").ConfigureAwait(false);
            return (false, 0, 0);
        }

        return (true, page, perPage);
    }

    private static bool TryReadPositive(StringValues text, int fallback, out int value)
    {
        if (Optional(text) is not { } given)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1;
    }

    private static string? Optional(StringValues values) => values.Count == 0 || string.IsNullOrEmpty(values[0]) ? null : values[0];
}
