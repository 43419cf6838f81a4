using AgentDispatch.VideoSdkEmulator.Control;
using AgentDispatch.VideoSdkEmulator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgentDispatch.VideoSdkEmulator.Hosting.HttpJson;

namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary><c>/_emulator/rooms</c>: look into the rooms, and play the humans who join and leave them.</summary>
internal sealed class RoomControlEndpoints(EmulatorState state)
{
    private static EmulatorJsonContext Json => EmulatorJsonContext.Wire;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(ControlEndpoints.Prefix + "/rooms");
        group.MapGet("/", GetRooms);
        group.MapPost("/{roomId}/participants", JoinParticipant);
        group.MapDelete("/{roomId}/participants/{participantId}", RemoveParticipant);
        group.MapPost("/{roomId}/end", EndRoom);
    }

    private Task GetRooms(HttpContext context) => WriteAsync(context, state.Rooms, Json.IReadOnlyListRoomInfo);

    private async Task JoinParticipant(HttpContext context)
    {
        var request = await ReadAsync(context, Json.HumanJoinRequest).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            await MessageAsync(context, StatusCodes.Status400BadRequest, "name is required.").ConfigureAwait(false);
            return;
        }

        var roomId = RouteValue(context, "roomId");
        var participant = state.JoinParticipant(roomId, request.Name);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location =
            $"{ControlEndpoints.Prefix}/rooms/{Uri.EscapeDataString(roomId)}/participants/{Uri.EscapeDataString(participant.ParticipantId)}";
        await WriteAsync(context, participant, Json.ParticipantInfo).ConfigureAwait(false);
    }

    private Task RemoveParticipant(HttpContext context) =>
        state.RemoveParticipant(RouteValue(context, "roomId"), RouteValue(context, "participantId"))
            ? NoContent(context)
            : MessageAsync(context, StatusCodes.Status404NotFound, "No such participant in the room now.");

    private Task EndRoom(HttpContext context) =>
        state.EndRoom(RouteValue(context, "roomId"))
            ? NoContent(context)
            : MessageAsync(context, StatusCodes.Status404NotFound, "Room not found.");

    private static string RouteValue(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? string.Empty;
}
