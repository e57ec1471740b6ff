using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.Extensions.Options;

namespace Stories.Api.Auth;

public sealed class JwtOptions
{
    public const string SectionName = "Jwt";

    /// <summary>The HS256 signing key, at least 32 bytes of UTF-8. Never in appsettings: env <c>Jwt__SigningKey</c> or user secrets.</summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "stories";

    [Required]
    public string Audience { get; set; } = "stories-clients";

    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public const int MinimumKeyBytes = 32;

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey ?? "");
}

/// <summary>
/// A missing, short, placeholder or low-entropy signing key stops startup outside Development. In Development a missing key is
/// replaced by a random one for the life of the process (tokens stop working at restart) so that
/// <c>dotnet run</c> works with no setup; a key that is set but short is refused everywhere.
/// </summary>
internal sealed partial class JwtOptionsSetup : IPostConfigureOptions<JwtOptions>, IValidateOptions<JwtOptions>
{
    private readonly IHostEnvironment _environment;
    private readonly Lazy<string> _ephemeralKey;

    public JwtOptionsSetup(IHostEnvironment environment, ILogger<JwtOptionsSetup> logger)
    {
        _environment = environment;
        // One key per process: every options cache (IOptions, IOptionsMonitor) must sign and
        // validate with the same one.
        _ephemeralKey = new(() =>
        {
            LogEphemeralKey(logger);
            return Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        });
    }

    public void PostConfigure(string? name, JwtOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey) && _environment.IsDevelopment())
        {
            options.SigningKey = _ephemeralKey.Value;
        }
    }

    public ValidateOptionsResult Validate(string? name, JwtOptions options)
    {
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            return ValidateOptionsResult.Fail(
                "Jwt:SigningKey is not set. Outside Development the API refuses to start without it. " +
                HowToGenerate);
        }

        if (options.SigningKeyBytes.Length < JwtOptions.MinimumKeyBytes)
        {
            return ValidateOptionsResult.Fail($"Jwt:SigningKey is {options.SigningKeyBytes.Length} bytes; HS256 needs at least {JwtOptions.MinimumKeyBytes}. {HowToGenerate}");
        }

        // Development may keep a memorable key; anywhere else a guessable key lets anyone sign tokens.
        return _environment.IsDevelopment() ? ValidateOptionsResult.Success : GuessableKeyError(options.SigningKey) switch
        {
            { } error => ValidateOptionsResult.Fail($"Jwt:SigningKey {error}; anyone who guesses it can sign tokens for any user. {HowToGenerate}"),
            null => ValidateOptionsResult.Success,
        };
    }

    private const string HowToGenerate = "Generate one with `openssl rand -base64 48` and set it as Jwt__SigningKey.";

    /// <summary>Fewer distinct bytes than this is no random secret (48 random bytes in base64 have about 40).</summary>
    private const int MinimumDistinctBytes = 16;

    /// <summary>
    /// Words that only a template or a tutorial puts in a key, among them the old <c>.env.example</c> value
    /// (<c>replace-with-a-random-secret-of-at-least-32-bytes</c>); a random key contains none of them.
    /// </summary>
    private static readonly string[] s_placeholderWords =
        ["replace-with", "replace-me", "replace_me", "changeme", "change-me", "change_me", "placeholder", "your-secret", "your_secret", "secretkey", "secret-key", "secret_key", "mysecret", "supersecret"];

    /// <summary>Whole keys that are placeholders as they stand, whatever their length.</summary>
    private static readonly string[] s_placeholderKeys = ["secret", "password", "changeme", "jwt-signing-key", "signing-key", "default"];

    private static string? GuessableKeyError(string key)
    {
        var lowered = key.Trim().ToLowerInvariant();
        if (s_placeholderKeys.Any(placeholder => lowered.Replace(placeholder, "", StringComparison.Ordinal).Length == 0)
            || s_placeholderWords.Any(word => lowered.Contains(word, StringComparison.Ordinal)))
        {
            return "is a known placeholder, not a secret";
        }

        var distinct = Encoding.UTF8.GetBytes(key).Distinct().Count();
        return distinct < MinimumDistinctBytes
            ? $"has only {distinct} distinct bytes (at least {MinimumDistinctBytes} needed): too little entropy for a secret"
            : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jwt:SigningKey is not set; using a random key for this Development process only")]
    private static partial void LogEphemeralKey(ILogger logger);
}
