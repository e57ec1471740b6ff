using System.Net;
using Npgsql;
using Stories.AppHost.Tests.Infrastructure;
using Stories.Resources;

namespace Stories.AppHost.Tests;

[Collection(SharedGraph.Name)]
public sealed class ExpiryTests(StoriesGraph graph)
{
    [ContainerRuntimeFact]
    public async Task TheWorkerExpiresAStoryOnceItsLifetimeIsOverAndTheApiThenAnswers404()
    {
        using var cancellation = new CancellationTokenSource(StoriesGraph.StoryLifetime + TimeSpan.FromMinutes(1));
        var token = cancellation.Token;
        using var api = graph.App.CreateHttpClient(ResourceNames.Api);
        var author = await api.SignUpAsync(token);
        var story = await api.SendAsync(HttpMethod.Post, "/stories", author.Token, new { text = "gone soon", visibility = "public" }, HttpStatusCode.Created, token);
        var storyId = story.GetProperty("id").GetGuid();
        await using var database = new NpgsqlConnection(await graph.App.GetConnectionStringAsync(ResourceNames.Database, token));
        await database.OpenAsync(token);

        var sweptAt = await WaitForSweepAsync(database, storyId, token);
        var problem = await api.SendAsync(HttpMethod.Get, $"/stories/{storyId}", author.Token, null, HttpStatusCode.NotFound, token);

        Assert.True(sweptAt >= story.GetProperty("expires_at").GetDateTimeOffset(), $"Swept at {sweptAt:O}, before the story expired.");
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    /// <summary>Polls the story's row until the worker's sweep has soft-deleted it; returns when.</summary>
    private static async Task<DateTimeOffset> WaitForSweepAsync(NpgsqlConnection database, Guid storyId, CancellationToken token)
    {
        while (true)
        {
            await using var command = new NpgsqlCommand("select deleted_at from stories where id = $1", database) { Parameters = { new() { Value = storyId } } };
            if (await command.ExecuteScalarAsync(token) is DateTime deletedAt)
            {
                return new DateTimeOffset(deletedAt, TimeSpan.Zero);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), token);
        }
    }
}
