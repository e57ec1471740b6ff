using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Stories.Api.Auth;

/// <summary>Issues the HS256 access tokens that every authenticated route accepts.</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider time)
{
    /// <summary>
    /// The user's handle, carried so that answers naming the caller need no lookup. A handle never changes
    /// once chosen; tokens issued before the claim existed lack it, and readers fall back to the database.
    /// </summary>
    public const string HandleClaim = "handle";

    private readonly JsonWebTokenHandler _handler = new();

    public string Issue(Guid userId, string handle)
    {
        var jwt = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()), new Claim(HandleClaim, handle)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + jwt.Lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(jwt.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
        });
    }
}
