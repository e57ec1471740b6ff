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
/// A missing or short signing key stops startup outside Development. In Development a missing key is
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
                "Jwt:SigningKey is not set. Outside Development the API refuses to start without it: " +
                "set the environment variable Jwt__SigningKey to a random secret of at least 32 bytes.");
        }

        return options.SigningKeyBytes.Length < JwtOptions.MinimumKeyBytes
            ? ValidateOptionsResult.Fail($"Jwt:SigningKey is {options.SigningKeyBytes.Length} bytes; HS256 needs at least {JwtOptions.MinimumKeyBytes}.")
            : ValidateOptionsResult.Success;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jwt:SigningKey is not set; using a random key for this Development process only")]
    private static partial void LogEphemeralKey(ILogger logger);
}
