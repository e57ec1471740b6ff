using Stories.Data.Entities;

namespace Stories.Data;

/// <summary>
/// Who may see a story — the one definition every read composes into its own SQL (get, feed,
/// search, view, react, viewers), so no story is ever loaded first and checked after.
/// </summary>
public static class StoryVisibilityRules
{
    /// <summary>
    /// Stories <paramref name="viewerId"/> may see at <paramref name="now"/>:
    /// <list type="bullet">
    /// <item>active only — not deleted and <c>expires_at</c> still ahead, whether or not the worker has swept;</item>
    /// <item>the viewer's own stories, whatever their visibility;</item>
    /// <item><c>public</c> stories;</item>
    /// <item><c>friends</c> stories with no audience list, when the viewer and the author follow each other
    /// (the author following back is the approval: docs/decisions/0011-friends-are-mutual-follows.md);</item>
    /// <item><c>friends</c> stories with an audience list, when the viewer is on it (following or not: the author chose them by name);</item>
    /// <item>never someone else's <c>private</c> story;</item>
    /// <item>never any story of an author who blocked the viewer, public ones included.</item>
    /// </list>
    /// </summary>
    public static IQueryable<Story> VisibleTo(this IQueryable<Story> stories, StoriesDbContext db, Guid viewerId, DateTimeOffset now) =>
        stories.Where(story =>
            story.DeletedAt == null
            && story.ExpiresAt > now
            && (story.AuthorId == viewerId
                || (!db.Blocks.Any(block => block.BlockerId == story.AuthorId && block.BlockedId == viewerId)
                    && (story.Visibility == StoryVisibility.Public
                        || (story.Visibility == StoryVisibility.Friends
                            && (story.HasAudience
                                ? story.Audience.Any(member => member.UserId == viewerId)
                                : db.Follows.Any(follow => follow.FollowerId == viewerId && follow.FolloweeId == story.AuthorId)
                                    && db.Follows.Any(follow => follow.FollowerId == story.AuthorId && follow.FolloweeId == viewerId)))))));

    /// <summary>
    /// The same rule as <see cref="VisibleTo(IQueryable{Story}, StoriesDbContext, Guid, DateTimeOffset)"/>,
    /// blocks included,
    /// with "the viewer and the author follow each other" answered by a list of the viewer's friend ids
    /// (<see cref="FriendsOf"/>; the API caches them) that travels into the SQL as an array parameter. Keep
    /// the two in step: the visibility matrix exercises both (the feed through this one, the other reads
    /// through the first).
    /// </summary>
    public static IQueryable<Story> VisibleTo(this IQueryable<Story> stories, StoriesDbContext db, Guid viewerId, Guid[] friendIds, DateTimeOffset now) =>
        stories.Where(story =>
            story.DeletedAt == null
            && story.ExpiresAt > now
            && (story.AuthorId == viewerId
                || (!db.Blocks.Any(block => block.BlockerId == story.AuthorId && block.BlockedId == viewerId)
                    && (story.Visibility == StoryVisibility.Public
                        || (story.Visibility == StoryVisibility.Friends
                            && (story.HasAudience
                                ? story.Audience.Any(member => member.UserId == viewerId)
                                : friendIds.Contains(story.AuthorId)))))));

    /// <summary>
    /// The users <paramref name="viewerId"/> may know of: all but those who blocked them. A blocked user's
    /// requests about their blocker find nothing, exactly as for an id that is no user.
    /// </summary>
    public static IQueryable<User> SeenBy(this IQueryable<User> users, StoriesDbContext db, Guid viewerId) =>
        users.Where(user => !db.Blocks.Any(block => block.BlockerId == user.Id && block.BlockedId == viewerId));

    /// <summary>The ids of the users <paramref name="userId"/> follows and who follow them back.</summary>
    public static IQueryable<Guid> FriendsOf(this IQueryable<Follow> follows, Guid userId) =>
        follows
            .Where(follow => follow.FollowerId == userId
                && follows.Any(back => back.FollowerId == follow.FolloweeId && back.FolloweeId == userId))
            .Select(follow => follow.FolloweeId);
}
