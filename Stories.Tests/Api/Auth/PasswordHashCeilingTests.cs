using System.Net;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

/// <summary>
/// bcrypt work is bounded per process: past the running and waiting places, a login or sign-up answers
/// 503 with Retry-After at once instead of queueing without bound.
/// </summary>
public sealed class PasswordHashCeilingTests(PasswordHashCeilingTests.OnePlace factory) : IClassFixture<PasswordHashCeilingTests.OnePlace>
{
    [Fact]
    public async Task ASignUpWhileTheOnlyHashingPlaceIsTakenIs503WithRetryAfter()
    {
        using var hashes = new MetricRecorder(factory, "password_hashes_active");
        using var client = factory.CreateClient();
        // A hash at cost 15 takes seconds: the second sign-up arrives while it runs.
        var first = client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail("first"), password = "correct horse battery" });
        await PlatformTestExtensions.EventuallyAsync(() => Task.FromResult(hashes.Sum("password_hashes_active") == 1), "the first hash to run");

        var second = await client.PostJsonAsync("/signup", new { email = ApiTestExtensions.UniqueEmail("second"), password = "correct horse battery" });

        var problem = await second.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Too many password checks at once.", problem.GetProperty("title").GetString());
        Assert.Equal("1", second.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.Created, (await first).StatusCode);
    }

    public sealed class OnePlace : StoriesApiFactory
    {
        public OnePlace()
        {
            WithSetting("Passwords:BcryptCost", "15");
            WithSetting("Passwords:MaxConcurrentHashes", "1");
            WithSetting("Passwords:MaxQueuedHashes", "0");
        }
    }
}
