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

    /// <summary>The caller's user id, spent by the endpoint itself by a cost only the body tells (bytes).</summary>
    UserByCost,
}

/// <summary>
/// A named token-bucket limit that an endpoint opts into with <c>RequireRateLimit(policy)</c>. Its
/// numbers come from <c>RateLimits:&lt;Name&gt;</c> (<see cref="RateLimitOptions"/>).
/// </summary>
public sealed record RateLimitPolicy(string Name, RateLimitKey Key, int DefaultPermitsPerMinute, int? DefaultBurst = null)
{
    public static readonly RateLimitPolicy Stories = new("stories", RateLimitKey.User, 20);
    public static readonly RateLimitPolicy Reactions = new("reactions", RateLimitKey.User, 60);
    public static readonly RateLimitPolicy Login = new("login", RateLimitKey.ClientIp, 10);
    public static readonly RateLimitPolicy Signup = new("signup", RateLimitKey.ClientIp, 10);

    /// <summary>Logins to one account from anywhere: guessing one password from many addresses is as slow as from one.</summary>
    public static readonly RateLimitPolicy LoginEmail = new("login_email", RateLimitKey.Email, 5);

    // Every other write or costly route has a per-user bucket too, sized well above what a person using
    // an app does, so that only a script reaches it.
    public static readonly RateLimitPolicy Uploads = new("uploads", RateLimitKey.User, 30);
    public static readonly RateLimitPolicy Search = new("search", RateLimitKey.User, 60);
    public static readonly RateLimitPolicy Follows = new("follows", RateLimitKey.User, 60);
    public static readonly RateLimitPolicy Tickets = new("tickets", RateLimitKey.User, 30);
    public static readonly RateLimitPolicy Deletes = new("deletes", RateLimitKey.User, 30);
    public static readonly RateLimitPolicy Views = new("views", RateLimitKey.User, 300);

    /// <summary>
    /// Upload sizes per user, in KiB: 1 GiB in a row, refilled at 1 GiB an hour. Presigning is cheap, but
    /// each URL lets the client put up to 100 MiB in storage that we pay for.
    /// </summary>
    public static readonly RateLimitPolicy UploadBytes = new("upload_kib", RateLimitKey.UserByCost, 17_477, 1_048_576);

    public static IReadOnlyList<RateLimitPolicy> All { get; } = [Stories, Reactions, Login, Signup, LoginEmail, Uploads, Search, Follows, Tickets, Deletes, Views, UploadBytes];

    public string SectionName => $"{RateLimitOptions.SectionName}:{Name}";
}

/// <summary>One policy's numbers, bound per policy as named options (<c>RateLimits:Stories:PermitsPerMinute</c>, …).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>The refill rate: tokens added per minute, spread evenly over it.</summary>
    [Range(1, 100_000_000)]
    public int PermitsPerMinute { get; set; }

    /// <summary>The bucket size — how many requests may come in a row after a quiet spell. Defaults to <see cref="PermitsPerMinute"/>.</summary>
    [Range(1, 100_000_000)]
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
public readonly record struct RateLimitDecision(bool Allowed, long Level, RateLimitOptions Limit, long Tokens = 1)
{
    public const long SharesPerToken = 60_000;

    public int Remaining => (int)(Level / SharesPerToken);

    /// <summary>Seconds until the bucket is full again (<c>t</c>).</summary>
    public int ResetSeconds => SecondsUntil(Limit.Capacity * SharesPerToken);

    /// <summary>Seconds until the bucket holds what the request asked for (the <c>Retry-After</c> of a 429); at least one.</summary>
    public int RetryAfterSeconds => Math.Max(1, SecondsUntil(Tokens * SharesPerToken));

    private int SecondsUntil(long level)
    {
        var milliseconds = CeilingDivide(Math.Max(0, level - Level), Limit.PermitsPerMinute);
        return (int)CeilingDivide(milliseconds, 1000);
    }

    private static long CeilingDivide(long dividend, long divisor) => (dividend + divisor - 1) / divisor;
}
