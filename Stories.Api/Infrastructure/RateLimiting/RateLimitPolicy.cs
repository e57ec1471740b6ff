using System.ComponentModel.DataAnnotations;

namespace Stories.Api.Infrastructure.RateLimiting;

/// <summary>Whose bucket a request draws from.</summary>
public enum RateLimitKey
{
    /// <summary>The authenticated caller's user id.</summary>
    User,

    /// <summary>
    /// The client's IP address, an IPv6 client's /64 network (one subscriber's allocation): for the
    /// anonymous routes, where credential stuffing comes from.
    /// </summary>
    ClientIp,

    /// <summary>An account's email, which only the endpoint knows once it has read the body: it takes the token itself.</summary>
    Email,
}

/// <summary>
/// A named token-bucket limit that an endpoint opts into with <c>RequireRateLimit(policy)</c>. Its
/// numbers come from <c>RateLimits:&lt;Name&gt;</c> (<see cref="RateLimitOptions"/>).
/// </summary>
public sealed record RateLimitPolicy(string Name, RateLimitKey Key, int DefaultPermitsPerMinute)
{
    public static readonly RateLimitPolicy Stories = new("stories", RateLimitKey.User, 20);
    public static readonly RateLimitPolicy Reactions = new("reactions", RateLimitKey.User, 60);
    public static readonly RateLimitPolicy Login = new("login", RateLimitKey.ClientIp, 10);
    public static readonly RateLimitPolicy Signup = new("signup", RateLimitKey.ClientIp, 10);

    /// <summary>Logins to one account from anywhere: guessing one password from many addresses is as slow as from one.</summary>
    public static readonly RateLimitPolicy LoginEmail = new("login_email", RateLimitKey.Email, 5);

    public static IReadOnlyList<RateLimitPolicy> All { get; } = [Stories, Reactions, Login, Signup, LoginEmail];

    public string SectionName => $"{RateLimitOptions.SectionName}:{Name}";
}

/// <summary>One policy's numbers, bound per policy as named options (<c>RateLimits:Stories:PermitsPerMinute</c>, …).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>The refill rate: tokens added per minute, spread evenly over it.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerMinute { get; set; }

    /// <summary>The bucket size — how many requests may come in a row after a quiet spell. Defaults to <see cref="PermitsPerMinute"/>.</summary>
    [Range(1, 1_000_000)]
    public int? Burst { get; set; }

    public int Capacity => Burst ?? PermitsPerMinute;

    /// <summary>Seconds an empty bucket takes to fill again: the window <c>w</c> of the <c>RateLimit-Policy</c> header.</summary>
    public int WindowSeconds => (int)Math.Ceiling(Capacity * 60.0 / PermitsPerMinute);
}

/// <summary>
/// One decision and the bucket it left behind, in the terms of the IETF RateLimit header fields.
/// The bucket's level is counted in shares: a token is <see cref="SharesPerToken"/> of them, so a
/// refill of N permits a minute is exactly N shares a millisecond and all arithmetic stays in integers
/// (fractions of a token in floating point would make a request at the exact refill instant a coin toss).
/// </summary>
public readonly record struct RateLimitDecision(bool Allowed, long Level, RateLimitOptions Limit)
{
    public const long SharesPerToken = 60_000;

    public int Remaining => (int)(Level / SharesPerToken);

    /// <summary>Seconds until the bucket is full again (<c>t</c>).</summary>
    public int ResetSeconds => SecondsUntil(Limit.Capacity * SharesPerToken);

    /// <summary>Seconds until the next token (the <c>Retry-After</c> of a 429); at least one.</summary>
    public int RetryAfterSeconds => Math.Max(1, SecondsUntil(SharesPerToken));

    private int SecondsUntil(long level)
    {
        var milliseconds = CeilingDivide(Math.Max(0, level - Level), Limit.PermitsPerMinute);
        return (int)CeilingDivide(milliseconds, 1000);
    }

    private static long CeilingDivide(long dividend, long divisor) => (dividend + divisor - 1) / divisor;
}
