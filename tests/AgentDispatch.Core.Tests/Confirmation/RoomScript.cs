using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AgentDispatch.Testing;
using Microsoft.AspNetCore.Http;

namespace AgentDispatch.Core.Tests.Confirmation;

/// <summary>
/// A scripted VideoSDK on loopback for the confirmation tests: answers dispatches (or drops them after
/// they arrive), and serves the sessions and active-participants lists in VideoSDK's shapes from the
/// participants a test puts in the room. The emulator's own tests cover the full model.
/// </summary>
internal sealed class RoomScript
{
    public const string SessionId = "ses_scripted";

    private readonly ConcurrentDictionary<string, (string Name, DateTimeOffset JoinedAt)> _present = new();
    private int _dispatches;
    private int _looks;

    /// <summary>The agent enters the room (as participant <c>agt_1</c>, named after the agent) when a dispatch arrives.</summary>
    public bool AgentJoinsOnDispatch { get; set; } = true;

    /// <summary>The dispatch is carried out but its answer is lost: the connection is dropped.</summary>
    public bool DropAnswer { get; set; }

    public int Dispatches => _dispatches;

    /// <summary>Requests to the sessions API, of either list.</summary>
    public int Looks => _looks;

    public void Join(string participantId, string name) => _present[participantId] = (name, DateTimeOffset.UtcNow);

    public void Leave(string participantId) => _present.TryRemove(participantId, out _);

    public Task HandleAsync(HttpContext context, ReceivedRequest request)
    {
        if (request.Path.StartsWith("/v2/agent/dispatch", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _dispatches);
            if (AgentJoinsOnDispatch)
            {
                var agentId = JsonNode.Parse(request.BodyText)!["agentId"]!.GetValue<string>();
                Join("agt_" + Dispatches, agentId);
            }

            if (DropAnswer)
            {
                context.Abort();
                return Task.CompletedTask;
            }

            return LoopbackServer.Answer(200, VideoSdkExamples.SuccessResponseJson)(context, request);
        }

        Interlocked.Increment(ref _looks);
        if (request.Path.StartsWith("/v2/sessions?", StringComparison.Ordinal))
        {
            var sessions = new JsonArray();
            if (!_present.IsEmpty)
            {
                sessions.Add(new JsonObject { ["id"] = SessionId, ["roomId"] = "room", ["start"] = "2026-01-01T00:00:00Z", ["end"] = null, ["status"] = "ongoing" });
            }

            return Page(context, request, sessions);
        }

        if (request.Path.StartsWith($"/v2/sessions/{SessionId}/participants/active", StringComparison.Ordinal))
        {
            var participants = new JsonArray();
            foreach (var (id, (name, joinedAt)) in _present)
            {
                participants.Add(new JsonObject
                {
                    ["participantId"] = id,
                    ["name"] = name,
                    ["timelog"] = new JsonArray(new JsonObject { ["start"] = joinedAt.ToString("O"), ["end"] = null }),
                });
            }

            return Page(context, request, participants);
        }

        return LoopbackServer.Answer(404, """{"message":"Not found"}""")(context, request);
    }

    private static Task Page(HttpContext context, ReceivedRequest request, JsonArray data)
        => LoopbackServer.Answer(200, new JsonObject
        {
            ["pageInfo"] = new JsonObject { ["currentPage"] = 1, ["perPage"] = 50, ["lastPage"] = 1, ["total"] = data.Count },
            ["data"] = data,
        }.ToJsonString())(context, request);
}
