using System.Buffers.Text;
using System.Text;

namespace AgentDispatch.Storage;

/// <summary>
/// Listing cursors: a table's continuation token, base64url-encoded so it is opaque and URL-safe. A
/// cursor that does not decode is the caller's error.
/// </summary>
public static class TableCursors
{
    public static string? Encode(string? token) => token is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token));

    /// <summary>The continuation token in <paramref name="cursor"/>; null for no cursor or one that does not decode.</summary>
    public static string? Decode(string? cursor)
    {
        if (cursor is null || cursor.Length > 2048 || !Base64Url.IsValid(cursor))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static bool IsWellFormed(string? cursor) => cursor is null || Decode(cursor) is not null;
}
