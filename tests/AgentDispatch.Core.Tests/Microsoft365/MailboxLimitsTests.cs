using AgentDispatch.Events;

namespace AgentDispatch.Core.Tests.Microsoft365;

/// <summary>
/// A mailbox's events are written by whoever sends the invitation: their texts are bounded like a signed
/// delivery's (docs/event-sources.md#limits). An Outlook body is HTML with the room link far down, so the
/// limit on the text searched is generous; past it, the link is not seen.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MailboxLimitsTests(AzuriteCollectionFixture azurite)
{
    private const string JoinUrl = "https://app.videosdk.live/meeting/team-sync-room";

    [Theory]
    [InlineData(EventLimits.MaxTextLength - 1, true)]
    [InlineData(EventLimits.MaxTextLength, false)]
    public async Task BodyWithTheLinkFarDown_IsSearchedUpToTheLimit(int linkEnd, bool found)
    {
        // The stand-in sends the body as Outlook does, as HTML: "<html><body><p>" + text + "</p></body></html>".
        // Cut, the text keeps MaxTextLength - 1 characters and an ellipsis: a link ending there is whole, one
        // character further it has lost its last letter.
        const int Prefix = 15;
        await using var h = await Microsoft365Harness.StartAsync(azurite.Fixture);
        var start = DateTimeOffset.UtcNow.AddHours(2);
        var body = new string('x', linkEnd - Prefix - 1 - JoinUrl.Length) + " " + JoinUrl;
        var id = h.Stand.AddEvent(Microsoft365Harness.Mailbox, new string('S', 10 * EventLimits.MaxTitleLength), start, body: body);

        await h.SubscribeAndSyncAsync();

        var job = await h.JobAsync(id);
        Assert.Equal(found, job is not null);
        if (!found)
        {
            Assert.Contains(h.Jobs.Services.Logs.GetSnapshot(), r => r.Message.Contains("no VideoSDK meeting id was found", StringComparison.Ordinal));
        }
    }
}
