using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Stories.Api.Features.Stories;
using Stories.Api.Infrastructure.Caching;

namespace Stories.Api.Features.Feed;

/// <summary>
/// A cached first feed page as stored in Redis: a short ASCII header, then the page's JSON exactly as
/// it is answered, so that a hit is checked on the header and written out without being parsed.
/// <code>user generation|everyone generation|views|valid until (UTC ticks)|story id:offset,…|{ …the page… }</code>
/// The list names each story the page shows with <c>viewed_by_me: false</c> and where that
/// <c>false</c> stands in the JSON, so that a view recorded after the page was built is laid over it
/// in place (<see cref="WithViewed"/>) instead of discarding the page. See ADR 0015.
/// </summary>
public static class FeedPageEntry
{
    private static ReadOnlySpan<byte> False => "false"u8;

    // Same length as "false", so the JSON is turned over in place; whitespace after a value is valid JSON.
    private static ReadOnlySpan<byte> TrueInPlaceOfFalse => "true "u8;

    /// <summary>A story the page shows as not viewed, and the offset of that <c>false</c> in the page's JSON.</summary>
    public readonly record struct UnviewedStory(Guid StoryId, int Offset);

    /// <summary>The header's fields; the unviewed list and the JSON as offsets into the entry.</summary>
    public readonly record struct Header(
        long UserGeneration, long EveryoneGeneration, long Views, long ValidUntilTicks, int UnviewedStart, int UnviewedLength, int JsonStart);

    /// <summary>The entry for <paramref name="page"/>, whose answer body is <paramref name="json"/>.</summary>
    public static byte[] Create(CacheStamp stamp, DateTimeOffset validUntil, StoryPage page, byte[] json)
    {
        var unviewed = string.Join(',', Unviewed(json, page).Select(story => FormattableString.Invariant($"{story.StoryId:N}:{story.Offset}")));
        var header = FormattableString.Invariant($"{stamp.User}|{stamp.Everyone}|{stamp.Views}|{validUntil.UtcTicks}|{unviewed}|");
        var entry = new byte[Encoding.ASCII.GetByteCount(header) + json.Length];
        var headerLength = Encoding.ASCII.GetBytes(header, entry);
        json.CopyTo(entry, headerLength);
        return entry;
    }

    /// <summary>Reads the header and checks that JSON follows; false for anything this code did not write.</summary>
    public static bool TryReadHeader(byte[] entry, out Header header)
    {
        header = default;
        ReadOnlySpan<byte> rest = entry;
        if (!TryReadField(ref rest, out var userGeneration) || !TryReadField(ref rest, out var everyoneGeneration)
            || !TryReadField(ref rest, out var views) || !TryReadField(ref rest, out var validUntilTicks))
        {
            return false;
        }

        var bar = rest.IndexOf((byte)'|');
        if (bar < 0 || bar + 1 >= rest.Length || rest[bar + 1] != (byte)'{')
        {
            return false;
        }

        var unviewedStart = entry.Length - rest.Length;
        header = new Header(userGeneration, everyoneGeneration, views, validUntilTicks, unviewedStart, bar, unviewedStart + bar + 1);
        return true;
    }

    /// <summary>
    /// Reads the unviewed list (only when a view must be laid over the page: most hits never need it),
    /// checking that each offset points at a <c>false</c> in the JSON.
    /// </summary>
    public static bool TryReadUnviewed(byte[] entry, Header header, out List<UnviewedStory> unviewed)
    {
        unviewed = [];
        var list = entry.AsSpan(header.UnviewedStart, header.UnviewedLength);
        var page = entry.AsSpan(header.JsonStart);
        foreach (var range in list.Split((byte)','))
        {
            var part = list[range];
            if (part.Length < 34 || part[32] != (byte)':' || !Utf8Parser.TryParse(part[..32], out Guid storyId, out var idLength, 'N') || idLength != 32
                || !Utf8Parser.TryParse(part[33..], out int offset, out var offsetLength) || offsetLength != part.Length - 33
                || offset < 0 || offset > page.Length - False.Length || !page.Slice(offset, False.Length).SequenceEqual(False))
            {
                return false;
            }

            unviewed.Add(new UnviewedStory(storyId, offset));
        }

        return true;
    }

    /// <summary>A copy of the page's JSON with <c>viewed_by_me</c> true for <paramref name="viewed"/>.</summary>
    public static byte[] WithViewed(ReadOnlyMemory<byte> page, IEnumerable<UnviewedStory> viewed)
    {
        var json = page.ToArray();
        foreach (var story in viewed)
        {
            TrueInPlaceOfFalse.CopyTo(json.AsSpan(story.Offset));
        }

        return json;
    }

    /// <summary>Where each <c>viewed_by_me: false</c> of the page stands in its JSON.</summary>
    private static List<UnviewedStory> Unviewed(byte[] json, StoryPage page)
    {
        var unviewed = new List<UnviewedStory>();
        var reader = new Utf8JsonReader(json);
        var item = -1;
        while (reader.Read())
        {
            // Depth 3: a property of an item ({ "items": [ { … } ] }), not of its author.
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3 && reader.ValueTextEquals("viewed_by_me"u8))
            {
                item++;
                reader.Read();
                if (reader.TokenType == JsonTokenType.False)
                {
                    unviewed.Add(new UnviewedStory(page.Items[item].Id, checked((int)reader.TokenStartIndex)));
                }
            }
        }

        return unviewed;
    }

    /// <summary>Reads a decimal number and the <c>|</c> after it.</summary>
    private static bool TryReadField(ref ReadOnlySpan<byte> rest, out long value)
    {
        if (!Utf8Parser.TryParse(rest, out value, out var consumed) || consumed >= rest.Length || rest[consumed] != (byte)'|')
        {
            return false;
        }

        rest = rest[(consumed + 1)..];
        return true;
    }
}
