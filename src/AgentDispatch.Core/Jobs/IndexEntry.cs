using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Jobs;

/// <summary>Which of the ledger's two index tables a row is in.</summary>
public enum IndexTable
{
    /// <summary>Small and hot: only jobs that still have something due (a dispatch, a claim's end, a look in the room).</summary>
    Timeline,

    /// <summary>Every job until retention deletes it: by meeting, by state, by <c>dispatchAt</c>; scheduled jobs by origin; tombstones by day.</summary>
    Lookup,
}

/// <summary>
/// One index row: where it is (table, partition, row key). The row key ends in a random tag, made when the
/// entry is first wanted and kept while the job keeps wanting it, so a row that was given up is never the
/// same row as one wanted again later: deleting a given-up row can never delete a wanted one.
/// </summary>
public readonly record struct IndexEntry(IndexTable Table, string PartitionKey, string RowKey)
{
    /// <summary>The row key without its tag: two entries are the same question and answer when these match.</summary>
    public string Logical => RowKey[..RowKey.LastIndexOf(IndexKeys.Separator)];

    public override string ToString() => $"{(Table == IndexTable.Timeline ? 'T' : 'L')}\t{PartitionKey}\t{RowKey}";

    public static IndexEntry? Parse(string line)
    {
        var parts = line.Split('\t');
        return parts.Length == 3 && parts[0] is "T" or "L" && parts[2].Contains(IndexKeys.Separator, StringComparison.Ordinal)
            ? new IndexEntry(parts[0] == "T" ? IndexTable.Timeline : IndexTable.Lookup, parts[1], parts[2])
            : null;
    }

    /// <summary>The job row's form of a set of entries: one per line (keys cannot hold control characters).</summary>
    public static string Join(IEnumerable<IndexEntry> entries) => string.Join('\n', entries);

    public static IndexSet Split(string? text)
        => string.IsNullOrEmpty(text) ? IndexSet.Empty : new IndexSet(text.Split('\n').Select(Parse).OfType<IndexEntry>().ToList());
}

/// <summary>
/// The ledger's indexes, as keys. Azure Tables has no secondary indexes, so each question the app asks has
/// its own partitions, chosen so that the question reads only the rows that answer it:
/// <list type="bullet">
/// <item><c>due|yyyyMMddHH|s</c>: scheduled jobs by the hour they are due (row key: due time), in four shards so a burst of writes spreads;</item>
/// <item><c>lease|…</c>: claimed jobs by when their claim runs out; <c>confirm|…</c>: assigned jobs by when their looks in the room end;</item>
/// <item><c>meeting|h</c>: every job of a meeting, newest <c>dispatchAt</c> first; <c>origin|h</c>: scheduled jobs of one feed or schedule;</item>
/// <item><c>state|State</c>: every job in a state, newest <c>dispatchAt</c> first; <c>at|yyyyMMdd</c>: every job by <c>dispatchAt</c>.</item>
/// </list>
/// Outside values (meeting ids, origins) are hashed into keys, so no character a sender chose reaches a key.
/// </summary>
public static class IndexKeys
{
    public const char Separator = '|';

    public const string Due = "due";
    public const string Lease = "lease";
    public const string Confirm = "confirm";
    public const string Meeting = "meeting";
    public const string Origin = "origin";
    public const string State = "state";
    public const string At = "at";
    public const string Gone = "gone";
    public const string Notify = "notify";

    /// <summary>Shards of each hour's timeline partition: four times a partition's write rate.</summary>
    public const int Shards = 4;

    private const string HourFormat = "yyyyMMddHH";
    private const string DayFormat = "yyyyMMdd";

    /// <summary>
    /// What <paramref name="job"/> wants indexed, reusing the entries (and so the rows) of
    /// <paramref name="held"/> that it still wants, and new entries with new tags for the rest.
    /// </summary>
    public static IndexSet For(DispatchJob job, IReadOnlyList<IndexEntry> held)
    {
        ArgumentNullException.ThrowIfNull(job);
        var wanted = new List<(IndexTable Table, string Partition, string Logical)>(6);
        if (job.State == JobState.Scheduled)
        {
            wanted.Add(Timed(Due, job.Id, job.DueAt));
            if (job.Origin is { } origin)
            {
                wanted.Add((IndexTable.Lookup, Key(Origin, Hash(origin)), job.Id));
            }
        }

        if (job is { State: JobState.Dispatching, LeaseUntil: { } lease })
        {
            wanted.Add(Timed(Lease, job.Id, lease));
        }

        if (job is { State: JobState.Assigned, ConfirmBy: { } confirmBy })
        {
            wanted.Add(Timed(Confirm, job.Id, confirmBy));
        }

        wanted.Add((IndexTable.Lookup, MeetingPartition(job.MeetingId), Key(Newest(job.DispatchAt), job.Id)));
        wanted.Add((IndexTable.Lookup, StatePartition(job.State), Key(Newest(job.DispatchAt), job.Id)));
        wanted.Add((IndexTable.Lookup, AtPartition(job.DispatchAt), Key(Ticks(job.DispatchAt), job.Id)));

        var entries = new List<IndexEntry>(wanted.Count);
        foreach (var (table, partition, logical) in wanted)
        {
            var kept = held.FirstOrDefault(e => e.Table == table && e.PartitionKey == partition && e.Logical == logical);
            entries.Add(kept.RowKey is null ? new IndexEntry(table, partition, Key(logical, Tag())) : kept);
        }

        return new IndexSet(entries);
    }

    /// <summary>
    /// The outbox row of the status event a write of <paramref name="job"/> makes: in the timeline by the
    /// write's time, until the event is queued. Not one of the job's index rows.
    /// </summary>
    public static IndexEntry Outbox(DispatchJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (table, partition, logical) = Timed(Notify, job.Id, job.UpdatedAt);
        return new IndexEntry(table, partition, Key(logical, job.Sequence.ToString(CultureInfo.InvariantCulture)));
    }

    public static string MeetingPartition(string meetingId) => Key(Meeting, Hash(meetingId));

    public static string OriginPartition(string origin) => Key(Origin, Hash(origin));

    public static string StatePartition(JobState state) => Key(State, state.ToString());

    public static string AtPartition(DateTimeOffset at) => Key(At, at.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture));

    public static string GonePartition(DateTimeOffset at) => Key(Gone, at.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture));

    /// <summary>The first timeline partition of <paramref name="kind"/> (all its hours sort after it).</summary>
    public static string FirstHour(string kind) => kind + Separator;

    /// <summary>A bound after every shard of the hour holding <paramref name="at"/>.</summary>
    public static string AfterHour(string kind, DateTimeOffset at) => Key(kind, Hour(at)) + Separator + '~';

    public static string HourPartition(string kind, DateTimeOffset at) => Key(kind, Hour(at));

    /// <summary>
    /// A row key bound: every key of a time at or after <paramref name="at"/> sorts at or after it. UtcTicks runs
    /// from 0 (0001-01-01) to 3155378975999999999 (9999-12-31), so this and <see cref="Newest"/> are 19 digits for any time.
    /// </summary>
    public static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Ticks counted down, so the newest sorts first.</summary>
    public static string Newest(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The job id in an index row key (the part before the tag, after the time if any).</summary>
    public static string? JobIdOf(string rowKey)
    {
        var parts = rowKey.Split(Separator);
        return parts.Length >= 2 && JobIds.IsWellFormed(parts[^2]) ? parts[^2] : null;
    }

    public static string Tag() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(6));

    private static (IndexTable, string, string) Timed(string kind, string id, DateTimeOffset at)
        => (IndexTable.Timeline, Key(kind, Hour(at)) + Separator + Shard(id), Key(Ticks(at), id));

    private static string Hour(DateTimeOffset at) => at.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);

    private static int Shard(string id) => id[0] % Shards;

    private static string Key(string a, string b) => a + Separator + b;

    /// <summary>A value a sender chose, as a key part: 16 URL-safe characters of its SHA-256.</summary>
    private static string Hash(string value)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Base64Url.EncodeToString(hash[..12]);
    }
}

/// <summary>A job's index entries, equal to another set with the same entries in the same order (so jobs compare by value).</summary>
public sealed class IndexSet(IReadOnlyList<IndexEntry> entries) : IReadOnlyList<IndexEntry>, IEquatable<IndexSet>
{
    public static readonly IndexSet Empty = new([]);

    public int Count => entries.Count;

    public IndexEntry this[int index] => entries[index];

    public IEnumerator<IndexEntry> GetEnumerator() => entries.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(IndexSet? other) => other is not null && entries.SequenceEqual(other);

    public override bool Equals(object? obj) => Equals(obj as IndexSet);

    public override int GetHashCode() => entries.Aggregate(0, (hash, entry) => HashCode.Combine(hash, entry));

    public override string ToString() => $"{entries.Count} index rows";
}
