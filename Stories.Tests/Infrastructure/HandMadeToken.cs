using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Stories.Tests.Infrastructure;

/// <summary>
/// JWTs put together byte by byte, for the forgeries a token library refuses to make (no signature,
/// another algorithm, a missing claim): the test controls every field the API must check.
/// </summary>
public static class HandMadeToken
{
    /// <summary>Claims the API would accept at <paramref name="now"/>; tests remove or change one.</summary>
    public static Dictionary<string, object> ValidClaims(Guid userId, DateTimeOffset now) => new()
    {
        ["sub"] = userId.ToString(),
        ["iss"] = StoriesApiFactory.Issuer,
        ["aud"] = StoriesApiFactory.Audience,
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
    };

    public static Dictionary<string, object> Without(this Dictionary<string, object> claims, string name) =>
        claims.Where(claim => claim.Key != name).ToDictionary();

    public static Dictionary<string, object> With(this Dictionary<string, object> claims, string name, object value) =>
        new(claims) { [name] = value };

    /// <summary><c>alg: none</c> and an empty signature.</summary>
    public static string WithoutSignature(Dictionary<string, object> claims) => $"{Encode(new { alg = "none", typ = "JWT" })}.{Encode(claims)}.";

    /// <summary>Signed with HMAC <paramref name="algorithm"/> (HS256, HS384, HS512) over the test signing key.</summary>
    public static string SignedWith(string algorithm, Dictionary<string, object> claims, string key = StoriesApiFactory.SigningKey)
    {
        var content = $"{Encode(new { alg = algorithm, typ = "JWT" })}.{Encode(claims)}";
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var data = Encoding.ASCII.GetBytes(content);
        var signature = algorithm switch
        {
            "HS256" => HMACSHA256.HashData(keyBytes, data),
            "HS384" => HMACSHA384.HashData(keyBytes, data),
            "HS512" => HMACSHA512.HashData(keyBytes, data),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only HMAC algorithms are made by hand."),
        };
        return $"{content}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static string Encode(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
