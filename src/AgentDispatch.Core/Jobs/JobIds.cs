using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace AgentDispatch.Jobs;

/// <summary>
/// A job's id is a hash of its idempotency key, so "is there already a job for this key?" is one
/// point read, and two instances inserting the same key collide on the same row: the ledger's
/// insert-if-absent is the de-duplication. Ids are opaque, URL-safe and 22 characters long.
/// </summary>
public static class JobIds
{
    public const int Length = 22;

    public static string ForKey(string idempotencyKey, int generation = 0)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var input = generation == 0 ? idempotencyKey : $"{idempotencyKey}\n#{generation}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(input), hash);
        return Base64Url.EncodeToString(hash[..16]);
    }

    /// <summary>True for a string that could be an id; anything else is answered 404 without a lookup.</summary>
    public static bool IsWellFormed(string? id)
        => id is { Length: Length } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>Idempotency keys: the caller's own, or one derived from what the request asks for.</summary>
public static class IdempotencyKeys
{
    /// <summary>A key the caller chose (HTTP <c>Idempotency-Key</c>, or <c>idempotencyKey</c> in a message).</summary>
    public static string FromCaller(string key) => "key:" + key;

    /// <summary>
    /// Derived from meeting, agent and time. Ids cannot contain control characters, so the line breaks
    /// keep the parts apart. A request with no <c>dispatchAt</c> ("now") derives "now": repeats of it
    /// are one job until that job's window has passed.
    /// </summary>
    public static string Derived(string meetingId, string agentId, DateTimeOffset? dispatchAt)
        => $"derived:{meetingId}\n{agentId}\n{(dispatchAt is { } at ? at.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "now")}";

    public static bool IsDerived(string key) => key.StartsWith("derived:", StringComparison.Ordinal);

    /// <summary>
    /// A key derived from a request with no time ("now"): the only kind that stands for a repeatable
    /// occasion. A key with an explicit time, or the caller's own, is one occasion for good.
    /// </summary>
    public static bool IsRenewable(string key) => IsDerived(key) && key.EndsWith("\nnow", StringComparison.Ordinal);
}
