using System.Net.Mail;
using System.Text;
using System.Text.RegularExpressions;
using Stories.Api.Auth;

namespace Stories.Api.Features.Auth;

/// <summary>The rules for emails, passwords and handles, shared by sign-up and login.</summary>
internal static partial class Credentials
{
    public const int MinPasswordBytes = 8;
    private const int MaxEmailLength = 254;

    /// <summary>Trimmed and lower-cased: the stored form, which makes uniqueness case-insensitive.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static string? EmailError(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "Email is required.";
        }

        var normalized = NormalizeEmail(email);
        return normalized.Length <= MaxEmailLength
            && !normalized.Any(char.IsControl)
            && MailAddress.TryCreate(normalized, out var address)
            && address.Address == normalized
            && address.Host.Contains('.', StringComparison.Ordinal)
                ? null
                : "Email is not a valid address.";
    }

    public static string? PasswordError(string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "Password is required.";
        }

        var bytes = Encoding.UTF8.GetByteCount(password);
        return bytes switch
        {
            < MinPasswordBytes => $"Password must be at least {MinPasswordBytes} bytes of UTF-8.",
            > PasswordHasher.MaxPasswordBytes => $"Password must be at most {PasswordHasher.MaxPasswordBytes} bytes of UTF-8 (bcrypt ignores the rest).",
            _ => null,
        };
    }

    public static string? HandleError(string? handle) =>
        handle is null || HandlePattern().IsMatch(handle) ? null : "Handle must be 3–30 characters of a-z, 0-9 and _.";

    /// <summary>A handle from the email's local part: lower-case, other characters as <c>_</c>, padded/cut to 3–30.</summary>
    public static string HandleFromEmail(string normalizedEmail)
    {
        var local = normalizedEmail[..normalizedEmail.IndexOf('@', StringComparison.Ordinal)];
        var handle = NotHandleCharacters().Replace(local, "_").Trim('_');
        if (handle.Length > 24)
        {
            handle = handle[..24];
        }

        return handle.Length >= 3 ? handle : $"user_{handle}".TrimEnd('_');
    }

    /// <summary>The next candidate after <paramref name="handle"/> was taken: a random numeric suffix, still within 30 characters.</summary>
    public static string WithRandomSuffix(string handle) =>
        $"{handle[..Math.Min(handle.Length, 24)]}_{Random.Shared.Next(10_000, 100_000)}";

    [GeneratedRegex("^[a-z0-9_]{3,30}$")]
    private static partial Regex HandlePattern();

    [GeneratedRegex("[^a-z0-9_]+")]
    private static partial Regex NotHandleCharacters();
}
