using System.Diagnostics;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
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
        stories.Where(Bind(s_ruleByFollows, Captured(() => db), Captured(() => viewerId), Captured(() => now)));

    /// <summary>
    /// The same rule, with the friends check answered by a list of the viewer's friend ids
    /// (<see cref="FriendsOf"/>; the API caches them) that travels into the SQL as an array parameter
    /// (<c>author_id = ANY(@friendIds)</c>). The feed uses it.
    /// </summary>
    public static IQueryable<Story> VisibleTo(this IQueryable<Story> stories, StoriesDbContext db, Guid viewerId, Guid[] friendIds, DateTimeOffset now) =>
        stories.Where(Rule(Captured(() => db), Captured(() => viewerId), Captured(() => now), (story, _, _) => friendIds.Contains(story.AuthorId)));

    /// <summary>
    /// The author of story <paramref name="storyId"/> if <paramref name="viewerId"/> may see it at <paramref name="now"/>,
    /// else null: the check before a view or a reaction is written. The same rule as <see cref="VisibleTo(IQueryable{Story}, StoriesDbContext, Guid, DateTimeOffset)"/>,
    /// compiled once (EF Core then skips rebuilding and re-parameterising the rule's expression on each call, an eighth
    /// of the API's CPU on a view) and prepared on its connection (ADR 0018).
    /// </summary>
    public static Task<Guid?> VisibleAuthorAsync(StoriesDbContext db, Guid storyId, Guid viewerId, DateTimeOffset now, CancellationToken cancellationToken) =>
        s_visibleAuthor(db, storyId, viewerId, now, cancellationToken);

    private static readonly Expression<Func<Story, Guid, StoriesDbContext, bool>> s_friendsByFollows = (story, viewer, db) =>
        db.Follows.Any(follow => follow.FollowerId == viewer && follow.FolloweeId == story.AuthorId)
        && db.Follows.Any(follow => follow.FollowerId == story.AuthorId && follow.FolloweeId == viewer);

    private static Func<StoriesDbContext, Guid, Guid, DateTimeOffset, CancellationToken, Task<Guid?>> CompileVisibleAuthor()
    {
        var db = Expression.Parameter(typeof(StoriesDbContext), "db");
        var storyId = Expression.Parameter(typeof(Guid), "storyId");
        var viewerId = Expression.Parameter(typeof(Guid), "viewerId");
        var now = Expression.Parameter(typeof(DateTimeOffset), "now");
        var cancellationToken = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
        var rule = Bind(s_ruleByFollows, db, viewerId, now);
        // The query around the rule; TagWith, not Prepared(): a compiled query's operators must be EF Core's own.
        Expression<Func<IQueryable<Story>, Guid, Expression<Func<Story, bool>>, Guid?>> shape = (stories, id, visible) =>
            stories.Where(visible).Where(story => story.Id == id).Select(story => (Guid?)story.AuthorId).TagWith(PreparedStatements.Tag).SingleOrDefault();
        var body = new Substitution(
            (shape.Parameters[0], Expression.Property(db, nameof(StoriesDbContext.Stories))),
            (shape.Parameters[1], storyId),
            (shape.Parameters[2], Expression.Quote(rule))).Visit(shape.Body);
        return EF.CompileAsyncQuery(
            Expression.Lambda<Func<StoriesDbContext, Guid, Guid, DateTimeOffset, CancellationToken, Guid?>>(body, db, storyId, viewerId, now, cancellationToken));
    }

    /// <summary>A captured value as EF Core sees a closure's variable: it becomes a named SQL parameter.</summary>
    private static Expression Captured<T>(Expression<Func<T>> value) => value.Body;

    /// <summary>
    /// Stories the viewer (<paramref name="viewerId"/>) may see at <paramref name="now"/>:
    /// <list type="bullet">
    /// <item>active only — not deleted and <c>expires_at</c> still ahead, whether or not the worker has swept: one
    /// column, <c>visible_until</c>, says both (ADR 0021);</item>
    /// <item>the viewer's own stories, whatever their visibility;</item>
    /// <item><c>public</c> stories;</item>
    /// <item><c>friends</c> stories with no audience list, when the viewer and the author follow each other
    /// (<paramref name="areFriends"/>; the author following back is the approval: docs/decisions/0011-friends-are-mutual-follows.md);</item>
    /// <item><c>friends</c> stories with an audience list, when the viewer is on it (following or not: the author chose them by name);</item>
    /// <item>never someone else's <c>private</c> story;</item>
    /// <item>never any story of an author who blocked the viewer, public ones included.</item>
    /// </list>
    /// Written once, over the context, the viewer and the time as expressions: a captured variable's (a query's
    /// parameter) or a compiled query's own parameters. <paramref name="areFriends"/> is put in place of
    /// <see cref="AreFriends"/> before EF sees the expression, so the SQL is what it would be had the check been written inline.
    /// </summary>
    private static Expression<Func<Story, bool>> Rule(Expression db, Expression viewerId, Expression now, Expression<Func<Story, Guid, StoriesDbContext, bool>> areFriends) =>
        Bind(Inline(areFriends), db, viewerId, now);

    /// <summary><see cref="s_rule"/> with <paramref name="areFriends"/> in place of <see cref="AreFriends"/>.</summary>
    private static Expression<Func<Story, StoriesDbContext, Guid, DateTimeOffset, bool>> Inline(Expression<Func<Story, Guid, StoriesDbContext, bool>> areFriends) =>
        (Expression<Func<Story, StoriesDbContext, Guid, DateTimeOffset, bool>>)new FriendsCheck(areFriends).Visit(s_rule);

    /// <summary>The rule over one story, with the context, the viewer and the time put in.</summary>
    private static Expression<Func<Story, bool>> Bind(Expression<Func<Story, StoriesDbContext, Guid, DateTimeOffset, bool>> rule, Expression db, Expression viewerId, Expression now) =>
        Expression.Lambda<Func<Story, bool>>(
            new Substitution((rule.Parameters[1], db), (rule.Parameters[2], viewerId), (rule.Parameters[3], now)).Visit(rule.Body), rule.Parameters[0]);

    // The block check stands beside the others, not inside the "someone else's story" branch: blocks_check
    // forbids blocking oneself, so it never hides the viewer's own stories, and at the top level PostgreSQL
    // plans it as an anti-join. Inside the OR it was a subplan with a guessed selectivity of one half, which
    // tipped the feed from walking ix_stories_active_created_at to sorting every active story
    // (411 ms instead of 3 ms a page at 500,000 stories: docs/benchmarks.md, "The feed's plan").
    private static readonly Expression<Func<Story, StoriesDbContext, Guid, DateTimeOffset, bool>> s_rule = (story, db, viewerId, now) =>
        story.VisibleUntil > now
        && !db.Blocks.Any(block => block.BlockerId == story.AuthorId && block.BlockedId == viewerId)
        && (story.AuthorId == viewerId
            || story.Visibility == StoryVisibility.Public
            || (story.Visibility == StoryVisibility.Friends
                && (story.HasAudience
                    ? story.Audience.Any(member => member.UserId == viewerId)
                    : AreFriends(story, viewerId, db))));

    // Inlined once: only the feed's check (a per-call array) needs inlining per call. Declared after
    // s_rule and s_friendsByFollows, and s_visibleAuthor after this: static fields initialise in order.
    private static readonly Expression<Func<Story, StoriesDbContext, Guid, DateTimeOffset, bool>> s_ruleByFollows = Inline(s_friendsByFollows);

    private static readonly Func<StoriesDbContext, Guid, Guid, DateTimeOffset, CancellationToken, Task<Guid?>> s_visibleAuthor = CompileVisibleAuthor();

    /// <summary>A placeholder in <see cref="s_rule"/>, never called: <see cref="FriendsCheck"/> replaces it.</summary>
    private static bool AreFriends(Story story, Guid viewerId, StoriesDbContext db) =>
        throw new UnreachableException($"{nameof(AreFriends)}({story.Id}, {viewerId}, {db.GetType().Name}) stands for the friends check and is replaced before a query runs.");

    /// <summary>
    /// Replaces each <see cref="AreFriends"/> call with the body of the check, applied to the call's story,
    /// viewer and context — the rule's own, so the SQL carries the viewer as one parameter, not a copy per closure.
    /// </summary>
    private sealed class FriendsCheck(Expression<Func<Story, Guid, StoriesDbContext, bool>> check) : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node) =>
            node.Method.DeclaringType == typeof(StoryVisibilityRules) && node.Method.Name == nameof(AreFriends)
                ? new Substitution(check.Parameters.Zip(node.Arguments.Select(Visit), (parameter, argument) => (parameter, argument!)).ToArray()).Visit(check.Body)
                : base.VisitMethodCall(node);
    }

    /// <summary>Puts expressions in place of parameters.</summary>
    private sealed class Substitution(params (ParameterExpression Parameter, Expression Replacement)[] replacements) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) =>
            Array.Find(replacements, pair => pair.Parameter == node) is { Replacement: { } replacement } ? replacement : node;
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
