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
}
