using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq.Expressions;
using Stories.Data.Entities;

namespace Stories.Data;

/// <summary>
/// Who may see a story — the one definition every read composes into its own SQL (get, feed,
/// search, view, react, viewers), so no story is ever loaded first and checked after. The rule is
/// written once (<see cref="Rule"/>); only where the friends check comes from differs between reads.
/// </summary>
public static class StoryVisibilityRules
{
    /// <summary>
    /// Stories <paramref name="viewerId"/> may see at <paramref name="now"/>, with the friends check asking
    /// the follows table: see <see cref="Rule"/>. Every read but the feed's uses it.
    /// </summary>
    public static IQueryable<Story> VisibleTo(this IQueryable<Story> stories, StoriesDbContext db, Guid viewerId, DateTimeOffset now) =>
        stories.Where(Rule(db, viewerId, now, (story, viewer) =>
            db.Follows.Any(follow => follow.FollowerId == viewer && follow.FolloweeId == story.AuthorId)
            && db.Follows.Any(follow => follow.FollowerId == story.AuthorId && follow.FolloweeId == viewer)));

    /// <summary>
    /// The same rule, with the friends check answered by a list of the viewer's friend ids
    /// (<see cref="FriendsOf"/>; the API caches them) that travels into the SQL as an array parameter
    /// (<c>author_id = ANY(@friendIds)</c>). The feed uses it.
    /// </summary>
    public static IQueryable<Story> VisibleTo(this IQueryable<Story> stories, StoriesDbContext db, Guid viewerId, Guid[] friendIds, DateTimeOffset now) =>
        stories.Where(Rule(db, viewerId, now, (story, _) => friendIds.Contains(story.AuthorId)));

    /// <summary>
    /// Stories <paramref name="viewerId"/> may see at <paramref name="now"/>:
    /// <list type="bullet">
    /// <item>active only — not deleted and <c>expires_at</c> still ahead, whether or not the worker has swept;</item>
    /// <item>the viewer's own stories, whatever their visibility;</item>
    /// <item><c>public</c> stories;</item>
    /// <item><c>friends</c> stories with no audience list, when the viewer and the author follow each other
    /// (<paramref name="areFriends"/>; the author following back is the approval: docs/decisions/0011-friends-are-mutual-follows.md);</item>
    /// <item><c>friends</c> stories with an audience list, when the viewer is on it (following or not: the author chose them by name);</item>
    /// <item>never someone else's <c>private</c> story;</item>
    /// <item>never any story of an author who blocked the viewer, public ones included.</item>
    /// </list>
    /// Written once; <paramref name="areFriends"/> is put in place of <see cref="AreFriends"/> before EF sees the
    /// expression, so the SQL is what it would be had the check been written inline.
    /// </summary>
    private static Expression<Func<Story, bool>> Rule(StoriesDbContext db, Guid viewerId, DateTimeOffset now, Expression<Func<Story, Guid, bool>> areFriends)
    {
        // The block check stands beside the others, not inside the "someone else's story" branch: blocks_check
        // forbids blocking oneself, so it never hides the viewer's own stories, and at the top level PostgreSQL
        // plans it as an anti-join. Inside the OR it was a subplan with a guessed selectivity of one half, which
        // tipped the feed from walking ix_stories_active_created_at to sorting every active story
        // (411 ms instead of 3 ms a page at 500,000 stories: docs/benchmarks.md, "The feed's plan").
        Expression<Func<Story, bool>> rule = story =>
            story.DeletedAt == null
            && story.ExpiresAt > now
            && !db.Blocks.Any(block => block.BlockerId == story.AuthorId && block.BlockedId == viewerId)
            && (story.AuthorId == viewerId
                || story.Visibility == StoryVisibility.Public
                || (story.Visibility == StoryVisibility.Friends
                    && (story.HasAudience
                        ? story.Audience.Any(member => member.UserId == viewerId)
                        : AreFriends(story, viewerId))));
        return (Expression<Func<Story, bool>>)new FriendsCheck(areFriends).Visit(rule);
    }

    /// <summary>A placeholder in <see cref="Rule"/>, never called: <see cref="FriendsCheck"/> replaces it.</summary>
    private static bool AreFriends(Story story, Guid viewerId) =>
        throw new UnreachableException($"{nameof(AreFriends)}({story.Id}, {viewerId}) stands for the friends check and is replaced before a query runs.");

    /// <summary>
    /// Replaces each <see cref="AreFriends"/> call with the body of the check, applied to the call's story and
    /// viewer — the rule's own <c>viewerId</c>, so the SQL carries it as one parameter, not a copy per closure.
    /// </summary>
    private sealed class FriendsCheck(Expression<Func<Story, Guid, bool>> check) : ExpressionVisitor
    {
        private ReadOnlyCollection<Expression>? _arguments;

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType != typeof(StoryVisibilityRules) || node.Method.Name != nameof(AreFriends))
            {
                return base.VisitMethodCall(node);
            }

            _arguments = node.Arguments;
            var inlined = Visit(check.Body);
            _arguments = null;
            return inlined;
        }

        protected override Expression VisitParameter(ParameterExpression node) =>
            _arguments is not null && check.Parameters.IndexOf(node) is >= 0 and var index ? _arguments[index] : node;
    }

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
