using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Stories.Api.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The caller's user id, from the <c>sub</c> claim the bearer handler has already validated.</summary>
    public static Guid GetUserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id)
            ? id
            : throw new InvalidOperationException("The authenticated principal has no user id; is the endpoint anonymous?");

    /// <summary>The caller's handle from the token, or null for a token issued before tokens carried it.</summary>
    public static string? GetHandle(this ClaimsPrincipal user) => user.FindFirstValue(TokenIssuer.HandleClaim);

    /// <summary>
    /// When the credentials behind this request expire: the token's <c>exp</c>, which the bearer handler
    /// keeps as a claim (and the event ticket handler copies from the token that asked for the ticket).
    /// Long-lived streams end then.
    /// </summary>
    public static DateTimeOffset GetTokenExpiry(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Exp), NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : throw new InvalidOperationException("The authenticated principal has no exp claim; is the endpoint anonymous?");
}
