using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

public sealed class TokenTests(StoriesApiFactory factory) : IClassFixture<StoriesApiFactory>
{
    [Fact]
    public async Task MissingTokenIs401ProblemWithBearerChallenge()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/me");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task EveryUnlistedRouteNeedsATokenEvenUnknownOnes()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync($"/no-such-route/{Guid.NewGuid()}");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ExpiredTokenIs401()
    {
        var user = await factory.SignUpAsync();
        var now = factory.Clock.GetUtcNow();
        var token = ApiTestExtensions.CreateToken(user.Id, issuedAt: now.AddHours(-2), expires: now.AddMinutes(-5));
        using var client = factory.CreateClientWithToken(token);

        var response = await client.GetAsync("/me");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task IssuedTokenStopsWorkingWhenItsLifetimeHasPassedOnTheServerClock()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientFor(user);
        var before = await client.GetAsync("/me");

        factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        try
        {
            var after = await client.GetAsync("/me");

            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            await after.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
        finally
        {
            factory.Clock.Advance(-(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1)));
        }
    }

    [Fact]
    public async Task TamperedTokenIs401()
    {
        var user = await factory.SignUpAsync();
        var parts = user.Token.Split('.');
        var forgedPayload = parts[1][..^2] + (parts[1][^2] == 'A' ? "B" : "A") + parts[1][^1];
        using var client = factory.CreateClientWithToken($"{parts[0]}.{forgedPayload}.{parts[2]}");

        var response = await client.GetAsync("/me");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("audience")]
    [InlineData("issuer")]
    [InlineData("key")]
    public async Task TokenForAnotherAudienceIssuerOrKeyIs401(string wrong)
    {
        var user = await factory.SignUpAsync();
        var token = wrong switch
        {
            "audience" => ApiTestExtensions.CreateToken(user.Id, audience: "someone-else"),
            "issuer" => ApiTestExtensions.CreateToken(user.Id, issuer: "someone-else"),
            _ => ApiTestExtensions.CreateToken(user.Id, signingKey: "a-different-signing-key-of-enough-length!!"),
        };
        using var client = factory.CreateClientWithToken(token);

        var response = await client.GetAsync("/me");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("alg none")]
    [InlineData("HS512 with the same key")]
    [InlineData("no exp")]
    [InlineData("nbf in the future")]
    public async Task TokenThatIsUnsignedOtherwiseSignedOrMissingItsLifetimeIs401(string forgery)
    {
        var user = await factory.SignUpAsync();
        var now = factory.Clock.GetUtcNow();
        var claims = HandMadeToken.ValidClaims(user.Id, now);
        var token = forgery switch
        {
            "alg none" => HandMadeToken.WithoutSignature(claims),
            // The test key is long enough for HS512, so only the algorithm allow-list can refuse this token.
            "HS512 with the same key" => HandMadeToken.SignedWith("HS512", claims),
            "no exp" => HandMadeToken.SignedWith("HS256", claims.Without("exp")),
            _ => HandMadeToken.SignedWith("HS256", claims.With("nbf", now.AddMinutes(10).ToUnixTimeSeconds())),
        };
        using var client = factory.CreateClientWithToken(token);

        var response = await client.GetAsync("/me");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task AnIssuedTokenCarriesTheUsersIdAndHandle()
    {
        var user = await factory.SignUpAsync();

        var token = new JsonWebToken(user.Token);

        Assert.Equal(user.Id.ToString(), token.Subject);
        Assert.Equal(user.Handle, token.GetClaim("handle").Value);
    }

    [Fact]
    public async Task HandMadeTokenWithValidClaimsIsAccepted()
    {
        // The control for the hand-made refusals above: the same claims, signed as the API signs, pass.
        var user = await factory.SignUpAsync();
        var token = HandMadeToken.SignedWith("HS256", HandMadeToken.ValidClaims(user.Id, factory.Clock.GetUtcNow()));
        using var client = factory.CreateClientWithToken(token);

        var response = await client.GetAsync("/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HandSignedValidTokenIsAccepted()
    {
        var user = await factory.SignUpAsync();
        using var client = factory.CreateClientWithToken(ApiTestExtensions.CreateToken(user.Id, issuedAt: factory.Clock.GetUtcNow()));

        var response = await client.GetAsync("/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs/")]
    [InlineData("/docs/scalar.js")]
    public async Task OperationalRoutesNeedNoToken(string path)
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
