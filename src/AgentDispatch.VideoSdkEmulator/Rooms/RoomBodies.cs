namespace AgentDispatch.VideoSdkEmulator.Rooms;

/// <summary>Body of <c>POST /v2/rooms</c>; every field optional.</summary>
internal sealed record CreateRoomRequest(string? CustomRoomId = null, RoomWebhook? Webhook = null);

/// <summary>Answer of <c>POST /v2/rooms</c>: the fields of VideoSDK's room object the emulator has.</summary>
internal sealed record RoomBody(string RoomId, string? CustomRoomId, RoomWebhook? Webhook, DateTime CreatedAt, bool Disabled);

/// <summary>Body of <c>POST /_emulator/rooms/{roomId}/participants</c>: a human joins.</summary>
internal sealed record HumanJoinRequest(string? Name = null);

/// <summary>VideoSDK's paging block, pages counted from 1.</summary>
internal sealed record PageInfo(int CurrentPage, int PerPage, int LastPage, int Total);

internal sealed record PagedBody<T>(PageInfo PageInfo, IReadOnlyList<T> Data)
{
    public static PagedBody<T> Of(IReadOnlyList<T> all, int page, int perPage)
    {
        var lastPage = Math.Max(1, (all.Count + perPage - 1) / perPage);
        var skip = (long)(page - 1) * perPage;
        var data = skip >= all.Count ? [] : all.Skip((int)skip).Take(perPage).ToArray();
        return new PagedBody<T>(new PageInfo(page, perPage, lastPage, all.Count), data);
    }
}
