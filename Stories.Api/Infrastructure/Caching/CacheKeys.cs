namespace Stories.Api.Infrastructure.Caching;

/// <summary>
/// The Redis keys of the caches (before <see cref="Redis.RedisOptions.KeyPrefix"/>), in one place so that
/// the writer of a key and its readers cannot spell it differently. Every key of one user carries the
/// hash tag <c>{user id}</c>: on a Redis Cluster they share a slot, so the feed read's <c>MGET</c> and
/// the view script, which touch several of them at once, stay legal (docs/scaling.md). The one global
/// key is never touched together with another.
/// </summary>
public static class CacheKeys
{
    /// <summary>The counter every entry records: bumped after a deletion, when a story may sit on anyone's page.</summary>
    public const string EveryoneGeneration = "cache:gen:everyone";

    /// <summary>The user's own counter: bumped after their own new story, a follow or an unfollow on either side.</summary>
    public static string UserGeneration(Guid userId) => $"cache:gen:{{{userId}}}";

    /// <summary>How many views the user recorded: read with an entry to learn whether one is to be laid over it.</summary>
    public static string ViewsCounter(Guid userId) => $"cache:views:{{{userId}}}";

    /// <summary>The user's recent views, story ids scored by the API's clock in milliseconds.</summary>
    public static string RecentViews(Guid userId) => $"cache:viewed:{{{userId}}}";

    /// <summary>The user's friend ids (mutual follows), behind the generation they were read under.</summary>
    public static string Friends(Guid userId) => $"cache:friends:{{{userId}}}";

    // The entry format's version (v3: the header lists the unviewed stories; v4: the same entry under
    // the user's hash tag); replicas of two versions, side by side during a rollout, never read each
    // other's entries.
    public static string FeedPage(Guid userId, int limit) => $"cache:feed:v4:{{{userId}}}:{limit}";
}
