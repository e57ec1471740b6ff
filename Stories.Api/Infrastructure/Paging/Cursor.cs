using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Stories.Api.Infrastructure.Paging;

/// <summary>
/// Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded. Clients pass
/// them back unchanged; anything else is a 400, never a 500.
/// </summary>
public static class Cursor
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;

    public static string Encode(params object[] parts) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('|', parts.Select(part => part switch
        {
            DateTimeOffset time => time.UtcTicks.ToString(CultureInfo.InvariantCulture),
            float number => number.ToString("R", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => part.ToString(),
        }))));

    /// <summary>The <c>|</c>-separated parts of a cursor, or null when it is not one of ours.</summary>
    public static string[]? Decode(string cursor, int expectedParts)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            return parts.Length == expectedParts ? parts : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static bool TryTime(string part, out DateTimeOffset time)
    {
        var ok = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;
        time = ok ? new DateTimeOffset(ticks, TimeSpan.Zero) : default;
        return ok;
    }

    /// <summary>
    /// Reads a (time, id) cursor — the keyset of the feed and the viewer lists. True when there is
    /// no cursor (the first page) or it is valid; false when the client sent something else.
    /// </summary>
    public static bool TryDecodeTimeAndId(string? cursor, out DateTimeOffset time, out Guid id)
    {
        time = default;
        id = default;
        return cursor is null || (Decode(cursor, 2) is [var t, var i] && TryTime(t, out time) && Guid.TryParse(i, out id));
    }
}
