using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Stories.Api.Features.Events;

/// <summary>
/// Single-use tickets that stand in for the JWT where a client cannot set headers (a browser's
/// EventSource and WebSocket): <c>POST /events/ticket</c> with the bearer header, then
/// <c>GET /events?ticket=…</c> within <see cref="EventsOptions.TicketLifetime"/>. The JWT itself never
/// goes in a URL, where proxies and access logs would keep it.
/// </summary>
/// <remarks>
/// Tickets live in Redis so any replica can redeem what another issued, under the SHA-256 of the
/// ticket (a copy of Redis holds no usable ticket). Redeeming reads and deletes in one script, so a
/// ticket works once even when two replicas race for it. Expiry is judged by the API's clock; the
/// Redis TTL only clears tickets nobody used. A ticket never outlives the token that asked for it,
/// and the stream it opens still ends when that token expires.
/// </remarks>
public sealed class EventTickets(EventRedis redis, IOptions<EventsOptions> options, TimeProvider time)
{
    private const string RedeemScript =
        """
        local ticket = redis.call('GET', KEYS[1])
        if ticket then
          redis.call('DEL', KEYS[1])
        end
        return ticket
        """;

    /// <exception cref="EventBusUnavailableException">Redis is away: no ticket can be issued.</exception>
    public async Task<TicketResponse> CreateAsync(Guid userId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken)
    {
        var lifetime = options.Value.TicketLifetime;
        var ticket = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var expiresAt = now + lifetime < tokenExpiresAt ? now + lifetime : tokenExpiresAt;
        var stored = JsonSerializer.Serialize(new StoredTicket(userId, tokenExpiresAt.ToUnixTimeSeconds(), expiresAt.ToUnixTimeMilliseconds()));
        await redis.RunAsync("ticket", database => database.StringSetAsync(Key(ticket), stored, lifetime), cancellationToken);
        return new TicketResponse(ticket, expiresAt);
    }

    /// <summary>The user and token expiry behind the ticket, or null if it is unknown, used or expired.</summary>
    /// <exception cref="EventBusUnavailableException">Redis is away: the ticket cannot be checked.</exception>
    public async Task<(Guid UserId, long TokenExpiresAtUnixSeconds)?> RedeemAsync(string ticket, CancellationToken cancellationToken)
    {
        var value = await redis.RunAsync("ticket", database => database.ScriptEvaluateAsync(RedeemScript, [Key(ticket)]), cancellationToken);
        if (value.IsNull || JsonSerializer.Deserialize<StoredTicket>((string)value!) is not { } stored)
        {
            return null;
        }

        return time.GetUtcNow().ToUnixTimeMilliseconds() <= stored.ExpiresAtUnixMs ? (stored.UserId, stored.TokenExpiresAtUnixSeconds) : null;
    }

    private static string Key(string ticket) =>
        $"events:ticket:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)))}";

    private sealed record StoredTicket(Guid UserId, long TokenExpiresAtUnixSeconds, long ExpiresAtUnixMs);
}

/// <summary>
/// Authenticates <c>?ticket=</c> on the event streams (the only endpoints whose policy names this
/// scheme), producing the same claims a bearer token would: <c>sub</c>, and <c>exp</c> of the token
/// that asked for the ticket.
/// </summary>
public sealed class EventTicketAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, EventTickets tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "EventTicket";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Query.TryGetValue("ticket", out var values) || values is not [{ Length: > 0 } ticket])
        {
            return AuthenticateResult.NoResult();
        }

        try
        {
            if (await tickets.RedeemAsync(ticket, Context.RequestAborted) is not { } redeemed)
            {
                return AuthenticateResult.Fail("The ticket is unknown, already used or expired.");
            }

            var identity = new ClaimsIdentity(
                [
                    new Claim(JwtRegisteredClaimNames.Sub, redeemed.UserId.ToString()),
                    new Claim(JwtRegisteredClaimNames.Exp, redeemed.TokenExpiresAtUnixSeconds.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
                ],
                SchemeName,
                JwtRegisteredClaimNames.Sub,
                roleType: null);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }
        catch (EventBusUnavailableException)
        {
            return AuthenticateResult.Fail("Tickets cannot be checked while Redis is unavailable; the Authorization header still works.");
        }
    }
}
