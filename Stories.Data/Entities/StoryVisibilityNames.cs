namespace Stories.Data.Entities;

/// <summary>The wire and database names of <see cref="StoryVisibility"/>: <c>public</c>, <c>friends</c>, <c>private</c>.</summary>
public static class StoryVisibilityNames
{
    public static string ToName(StoryVisibility visibility) => visibility switch
    {
        StoryVisibility.Public => "public",
        StoryVisibility.Friends => "friends",
        StoryVisibility.Private => "private",
        _ => throw new ArgumentOutOfRangeException(nameof(visibility), visibility, null),
    };

    public static StoryVisibility Parse(string name) => name switch
    {
        "public" => StoryVisibility.Public,
        "friends" => StoryVisibility.Friends,
        "private" => StoryVisibility.Private,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
