using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Stories.Tests.Infrastructure;

namespace Stories.Tests.Api.Auth;

/// <summary>Outside Development the API refuses to start without a usable JWT signing key: set, long, not a placeholder, not repetitive.</summary>
public sealed class SigningKeyStartupTests
{
    [Theory]
    [InlineData("", "Jwt:SigningKey is not set")]
    [InlineData("only-31-bytes-of-signing-key-xx", "HS256 needs at least 32")]
    [InlineData("replace-with-a-random-secret-of-at-least-32-bytes", "is a known placeholder")]
    [InlineData("changemechangemechangemechangeme", "is a known placeholder")]
    [InlineData("SecretSecretSecretSecretSecretSecret", "is a known placeholder")]
    [InlineData("my-jwt-secret-key-for-production-1234", "is a known placeholder")]
    [InlineData("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", "has only 1 distinct bytes")]
    [InlineData("abcdefghijklmnoabcdefghijklmnoabcdefghijklmno", "has only 15 distinct bytes")]
    public async Task MissingShortOrGuessableSigningKeyStopsStartupSayingHowToGenerateOne(string key, string expected)
    {
        var factory = new StoriesApiFactory().WithSetting("Jwt:SigningKey", key);

        var error = await Record.ExceptionAsync(factory.InitializeAsync);

        var validation = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(expected, validation.Message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 48", validation.Message, StringComparison.Ordinal);
        await factory.DisposeAfterFailedStartupAsync();
    }

    [Fact]
    public async Task RandomSigningKeyOf32BytesIsAccepted()
    {
        var factory = new StoriesApiFactory().WithSetting("Jwt:SigningKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

        await factory.InitializeAsync();

        using var client = factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        await factory.DisposeAsync();
    }
}
