using System.ComponentModel.DataAnnotations;
using System.Net;
using Stories.Data.Storage;
using Stories.Tests.Infrastructure;
using Stories.Worker.Retention;

namespace Stories.Tests.Api.Uploads;

/// <summary>
/// An upload backs a new story only within an hour of being stored, and the worker deletes unused uploads
/// only at twice that age: so the orphan clean-up can never delete the object of a story committed in the
/// meantime. Its own factory, because the test moves the API's clock by an hour.
/// </summary>
public sealed class UploadAgeTests(StorageApiFactory factory) : IClassFixture<StorageApiFactory>
{
    [Fact]
    public async Task AnUploadBacksAStoryWithinAnHourOfBeingStoredAndNotAfter()
    {
        var author = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(author);
        var recent = await client.UploadAsync(MediaApiExtensions.RandomBytes());
        var old = await client.UploadAsync(MediaApiExtensions.RandomBytes());

        factory.Clock.Advance(MediaKeys.AttachWindow - TimeSpan.FromMinutes(1));
        using var withinTheHour = await LoggedIn(author).PostJsonAsync("/stories", new { media_key = recent, visibility = "public" });
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        using var afterTheHour = await LoggedIn(author).PostJsonAsync("/stories", new { media_key = old, visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, withinTheHour.StatusCode);
        var problem = await afterTheHour.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(
            "This upload is more than an hour old, and unused uploads are deleted: upload the file again.",
            Assert.Single(problem.Errors()["media_key"]));
    }

    [Fact]
    public void TheWorkerKeepsUnusedUploadsAtLeastTwiceAsLongAsAStoryMayStillAttachThem()
    {
        var justTooSoon = new RetentionOptions { OrphanUploads = (2 * MediaKeys.AttachWindow) - TimeSpan.FromSeconds(1) };
        var twice = new RetentionOptions { OrphanUploads = 2 * MediaKeys.AttachWindow };

        Assert.False(Validator.TryValidateObject(justTooSoon, new ValidationContext(justTooSoon), null, validateAllProperties: true));
        Assert.True(Validator.TryValidateObject(twice, new ValidationContext(twice), null, validateAllProperties: true));
    }

    /// <summary>A client with a token issued by the moved clock: it has expired the one from sign-up.</summary>
    private HttpClient LoggedIn(TestUser user) => factory.CreateClientWithToken(
        ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow(), expires: factory.Clock.GetUtcNow().AddHours(1)));
}
