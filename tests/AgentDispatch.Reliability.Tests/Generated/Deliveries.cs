using System.Text;
using AgentDispatch.Testing.Properties;
using AgentDispatch.Testing.Webhooks;
using CsCheck;

namespace AgentDispatch.Reliability.Tests.Generated;

/// <summary>
/// One generated delivery or request: the body sent, the key and start time and meeting id it was built
/// around, and whether it is a valid event (nothing mutated, a schedulable start, a meeting id in the
/// join URL): such a delivery must make a job, and any other must make one only for a meeting id it names.
/// </summary>
public sealed record Delivery(string Kind, string Key, TimeText Start, string Meeting, int Rate, bool Mutated, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>A scheduled meeting with nothing changed, a start a job can be made for and a fresh meeting id in its join URL.</summary>
    public bool Valid => !Mutated && Start.Schedulable && Kind is "scheduled" && Meeting.Length > 0;

    public override string ToString()
        => $"{Kind} key={Printable(Key)} start={Printable(Start.Text)} meeting={Printable(Meeting)} rate={Rate}% mutated={Mutated} valid={Valid} body({Body.Length} bytes)={Printable(Text.Length > 1500 ? Text[..1500] + "…" : Text)}";

    /// <summary>Text with every character outside printable ASCII shown as \uXXXX, so a report shows what was sent.</summary>
    public static string Printable(string text)
    {
        var printable = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            printable.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return printable.ToString();
    }
}

/// <summary>Generators of signed-source deliveries, from each provider's documented example payload.</summary>
public static class Deliveries
{
    /// <summary>The key of the job each source's sentinel is stored under; generated keys look like it.</summary>
    public const string SentinelId = "SENTINEL0001";

    public static string CalendlySentinel => WebhookPayloads.CalendlyInvitee(SentinelId);

    /// <summary>
    /// A key: mostly fresh, often a look-alike of the sentinel's. Never the sentinel's own: a valid event
    /// under it would move the sentinel, and a moved job is rightly changed later by the app (its wake-up),
    /// which would hide what a later delivery did.
    /// </summary>
    public static Gen<string> Key(string sentinel, Gen<string> fresh) => Gen.Frequency(
        (40, HostileGen.LookAlike(sentinel)),
        (60, fresh));

    /// <summary>Where the meeting id goes: a fresh room in a join URL (the id, when it is one), a look-alike of one, or hostile text.</summary>
    public static Gen<(string Text, string Id)> Meeting { get; } = Gen.Frequency(
        (6, HostileGen.RoomId.Select(id => ("https://app.videosdk.live/meeting/" + id, id))),
        (2, HostileGen.RoomId.SelectMany(id => HostileGen.LookAlike(id).Select(look => ("https://app.videosdk.live/meeting/" + look, "")))),
        (2, HostileGen.Text.Select(text => (text, ""))));

    private static Gen<string> Fresh(string prefix) => Gen.String[Gen.Char.AlphaNumeric, 16, 16].Select(id => prefix + id);

    /// <summary>Signed Calendly <c>invitee.created</c> / <c>invitee.canceled</c> deliveries.</summary>
    public static Gen<Delivery> Calendly(DateTimeOffset now) => Build(
        now,
        Gen.Frequency((6, Gen.Const("invitee.created")), (2, Gen.Const("invitee.canceled")), (1, HostileGen.Text)),
        Key(CalendlySentinel, Fresh("https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/")),
        (kind, key, start, end, meeting) =>
        {
            var template = GenJson.Parse(Encoding.UTF8.GetString(WebhookPayloads.CalendlyCreated("TEMPLATE", now.AddDays(1), now)));
            template = Mutation.With(template, GenJson.Of(kind), "event");
            template = Mutation.With(template, GenJson.Of(key), "payload", "uri");
            template = Mutation.With(template, GenJson.Of(start), "payload", "scheduled_event", "start_time");
            template = Mutation.With(template, GenJson.Of(end), "payload", "scheduled_event", "end_time");
            return Mutation.With(template, GenJson.Of(meeting), "payload", "scheduled_event", "location", "join_url");
        },
        kind => kind switch { "invitee.created" => "scheduled", "invitee.canceled" => "cancelled", _ => "other" },
        TimeFields("start_time", "end_time", "created_at", "updated_at"));

    /// <summary>Signed Cal.com booking deliveries.</summary>
    public static Gen<Delivery> CalCom(DateTimeOffset now) => Build(
        now,
        Gen.Frequency((6, Gen.Const("BOOKING_CREATED")), (1, Gen.Const("BOOKING_RESCHEDULED")), (2, Gen.Const("BOOKING_CANCELLED")), (1, HostileGen.Text)),
        Key(SentinelId, Fresh("cal-")),
        (kind, key, start, end, meeting) =>
        {
            var template = GenJson.Parse(Encoding.UTF8.GetString(WebhookPayloads.CalCom("BOOKING_CREATED", "TEMPLATE", now.AddDays(1), now)));
            template = Mutation.With(template, GenJson.Of(kind), "triggerEvent");
            template = Mutation.With(template, GenJson.Of(key), "payload", "uid");
            template = Mutation.With(template, GenJson.Of(start), "payload", "startTime");
            template = Mutation.With(template, GenJson.Of(end), "payload", "endTime");
            template = Mutation.With(template, GenJson.Of(meeting), "payload", "location");
            return Mutation.With(template, GenJson.Of(meeting), "payload", "metadata", "videoCallUrl");
        },
        kind => kind switch { "BOOKING_CREATED" => "scheduled", "BOOKING_CANCELLED" => "cancelled", "BOOKING_RESCHEDULED" => "rescheduled", _ => "other" },
        TimeFields("startTime", "endTime", "createdAt"));

    /// <summary>Signed Standard Webhooks meeting events.</summary>
    public static Gen<Delivery> Standard(DateTimeOffset now) => Build(
        now,
        Gen.Frequency((6, Gen.Const("meeting.scheduled")), (1, Gen.Const("meeting.rescheduled")), (2, Gen.Const("meeting.cancelled")), (1, HostileGen.Text)),
        Key(SentinelId, Fresh("std-")),
        (kind, key, start, end, meeting) =>
        {
            var template = GenJson.Parse(Encoding.UTF8.GetString(WebhookPayloads.Standard("meeting.scheduled", "TEMPLATE", now.AddDays(1))));
            template = Mutation.With(template, GenJson.Of(kind), "type");
            template = Mutation.With(template, GenJson.Of(key), "meeting", "id");
            template = Mutation.With(template, GenJson.Of(start), "meeting", "startTime");
            template = Mutation.With(template, GenJson.Of(end), "meeting", "endTime");
            return Mutation.With(template, GenJson.Of(meeting), "meeting", "joinUrl");
        },
        kind => kind switch { "meeting.scheduled" or "meeting.rescheduled" => "scheduled", "meeting.cancelled" => "cancelled", _ => "other" },
        TimeFields("startTime", "endTime", "timestamp"));

    /// <summary>Hostile values for the fields that hold times: any time text rather than any JSON.</summary>
    private static Func<DateTimeOffset, Func<string, Gen<GenJson>?>> TimeFields(params string[] names)
        => now => name => names.Contains(name) ? HostileGen.Time(now).Select(t => GenJson.Of(t.Text)) : null;

    private static Gen<Delivery> Build(
        DateTimeOffset now,
        Gen<string> kinds,
        Gen<string> keys,
        Func<string, string, string, string, string, GenJson> fill,
        Func<string, string> kindOf,
        Func<DateTimeOffset, Func<string, Gen<GenJson>?>> special)
    {
        var times = HostileGen.Time(now);
        var ends = Gen.Frequency((8, Gen.Const((TimeText?)null)), (2, times.Select(t => (TimeText?)t)));
        var corrupt = Gen.Frequency((49, Gen.Const(-1)), (1, Gen.Int[0, 1_000_000]));
        return Gen.Select(kinds, keys, times, ends, Meeting, Mutation.Rate, corrupt).SelectMany(drawn =>
        {
            var (kind, key, start, end, meeting, rate, corruptAt) = drawn;
            var endText = end?.Text ?? (start.At is { } at ? WebhookPayloads.Iso(at.AddMinutes(30)) : start.Text);
            var template = fill(kind, key, start.Text, endText, meeting.Text);
            var original = template.Write();
            return Mutation.Of(template, rate, special(now)).Select(tree =>
            {
                var text = tree.Write();
                var body = Encoding.UTF8.GetBytes(text);
                if (corruptAt >= 0 && body.Length > 0)
                {
                    // Bytes that are not UTF-8, signed all the same.
                    body[corruptAt % body.Length] = 0xFF;
                }

                return new Delivery(kindOf(kind), key, start, meeting.Id, rate, text != original || corruptAt >= 0 || end is not null, body);
            });
        });
    }
}
