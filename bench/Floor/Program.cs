// The API's two hot writes reduced to the network work each needs, on bare Kestrel (bench/floor.sh):
//   POST /stories/{id}/view — one Redis script (the rate-limit decision), one prepared PostgreSQL
//     statement (the visibility check), one Redis script (the author's event and the viewer's feed
//     note, sent together in the API too); 204. The view's insert is left out: the API commits views
//     in batches, so a view's share of its statement is small — which makes this a lower bound.
//   POST /stories — one Redis script, one prepared autocommitted insert, one Redis script (the feed
//     invalidation); 201 with the story's id.
//   GET /feed — the warm feed: one Redis read of the caller's cached page (a page of 20 stories' JSON,
//     written on the caller's first request), its bytes as the answer. The API's warm feed reads
//     two keys in the same round trip and has no rate-limit script.
// No authentication, EF Core, logging, metrics or middleware. Connection strings as Aspire names them
// (ConnectionStrings__storiesdb, ConnectionStrings__cache); every Redis key lies under Redis:KeyPrefix.
using Npgsql;
using NpgsqlTypes;
using StackExchange.Redis;

var builder = WebApplication.CreateSlimBuilder(args);
var configuration = builder.Configuration;
// Npgsql prepares a statement on each physical connection once it has run twice, as the API's
// explicitly prepared writes are.
var dataSource = new NpgsqlDataSourceBuilder(configuration.GetConnectionString("storiesdb") + ";Max Auto Prepare=8;Auto Prepare Min Usages=2").Build();
var redis = (await ConnectionMultiplexer.ConnectAsync(configuration.GetConnectionString("cache")!)).GetDatabase();
var prefix = configuration["Redis:KeyPrefix"] ?? "floor:";
const string Touch = "redis.call('INCR', KEYS[1]) return redis.call('PEXPIRE', KEYS[1], 60000)";

Guid author;
await using (var first = dataSource.CreateCommand("select id from users order by id limit 1"))
{
    author = (Guid)(await first.ExecuteScalarAsync())!;
}

var app = builder.Build();

app.MapPost("/stories/{id:guid}/view", async (Guid id, HttpRequest request) =>
{
    var caller = request.Headers.Authorization.ToString();
    await redis.ScriptEvaluateAsync(Touch, [(RedisKey)$"{prefix}bucket:{caller.GetHashCode()}"]);
    await using var check = dataSource.CreateCommand("select author_id from stories where id = $1 and deleted_at is null and expires_at > now()");
    check.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
    if (await check.ExecuteScalarAsync() is not Guid storyAuthor)
    {
        return Results.NotFound();
    }

    await Task.WhenAll(
        redis.ScriptEvaluateAsync(Touch, [(RedisKey)$"{prefix}events:{storyAuthor}"]),
        redis.ScriptEvaluateAsync(Touch, [(RedisKey)$"{prefix}views:{caller.GetHashCode()}"]));
    return Results.NoContent();
});

app.MapPost("/stories", async (NewStory story, HttpRequest request) =>
{
    var caller = request.Headers.Authorization.ToString();
    await redis.ScriptEvaluateAsync(Touch, [(RedisKey)$"{prefix}bucket:{caller.GetHashCode()}"]);
    var id = Guid.CreateVersion7();
    await using var insert = dataSource.CreateCommand(
        "insert into stories (id, author_id, text, visibility, created_at, expires_at) values ($1, $2, $3, $4, now(), now() + interval '24 hours')");
    insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
    insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = author });
    insert.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = story.Text, NpgsqlDbType = NpgsqlDbType.Text });
    insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = story.Visibility ?? "public" });
    await insert.ExecuteNonQueryAsync();
    await redis.ScriptEvaluateAsync(Touch, [(RedisKey)$"{prefix}generation:{author}"]);
    return Results.Created($"/stories/{id}", new Created(id));
});

app.MapGet("/feed", async (HttpRequest request, HttpResponse response) =>
{
    var key = (RedisKey)$"{prefix}page:{request.Headers.Authorization.ToString().GetHashCode()}";
    byte[]? page = await redis.StringGetAsync(key);
    if (page is null)
    {
        page = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Enumerable.Range(0, 20).Select(_ => SampleStory.Make(author)).ToList());
        await redis.StringSetAsync(key, page, TimeSpan.FromMinutes(10));
    }

    response.ContentType = "application/json";
    await response.Body.WriteAsync(page);
});

app.Run();

internal sealed record NewStory(string? Text, string? Visibility);

internal sealed record Created(Guid Id);

/// <summary>A story shaped as the API answers it, so that a floor page is about as many bytes as the API's.</summary>
internal sealed record SampleStory(
    Guid Id, object Author, string Text, string? MediaKey, string? MediaUrl, string Visibility,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int ViewCount, Dictionary<string, int> ReactionCounts, bool ViewedByMe)
{
    public static SampleStory Make(Guid author) => new(
        Guid.CreateVersion7(), new { id = author, handle = "floor_author" }, "a story of about the length the benchmarks seed",
        null, null, "public", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24), 3, new() { ["🔥"] = 1 }, false);
}
