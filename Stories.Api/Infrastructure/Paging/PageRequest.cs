using Microsoft.AspNetCore.Mvc;
using Stories.Api.Infrastructure.Problems;

namespace Stories.Api.Infrastructure.Paging;

/// <summary>
/// The paging parameters of every keyset-paginated list, bound from the query string with
/// <c>[AsParameters]</c>: <c>limit</c> (1–<see cref="Paging.Cursor.MaxLimit"/>, <see cref="Paging.Cursor.DefaultLimit"/>
/// when absent) and the opaque <c>cursor</c> of the previous page.
/// </summary>
public readonly record struct PageRequest([FromQuery(Name = "limit")] int? Limit, [FromQuery(Name = "cursor")] string? Cursor)
{
    /// <summary>How many items the page holds.</summary>
    public int Take => Limit ?? Paging.Cursor.DefaultLimit;

    /// <summary>The field errors of a limit out of range, or null.</summary>
    public Dictionary<string, string[]>? LimitErrors =>
        Limit is null or (>= 1 and <= Paging.Cursor.MaxLimit) ? null : FieldErrors.Of("limit", $"limit must be between 1 and {Paging.Cursor.MaxLimit}.");

    /// <summary>The field errors of a cursor that is not one of ours.</summary>
    public static Dictionary<string, string[]> CursorErrors => FieldErrors.Of("cursor", "The cursor is not valid.");

    /// <summary>
    /// Reads a (time, id) cursor — the keyset of the feed and the viewer lists: the field errors of a bad
    /// limit or cursor, else null with <paramref name="after"/> the keyset to continue after (null: the first page).
    /// </summary>
    public Dictionary<string, string[]>? TimeAndIdErrors(out (DateTimeOffset Time, Guid Id)? after)
    {
        after = null;
        if (LimitErrors is { } limitErrors)
        {
            return limitErrors;
        }

        if (!Paging.Cursor.TryDecodeTimeAndId(Cursor, out var time, out var id))
        {
            return CursorErrors;
        }

        after = Cursor is null ? null : (time, id);
        return null;
    }
}
