namespace Stories.Api.Features.Auth;

public sealed record SignUpRequest(string? Email, string? Password, string? Handle);

public sealed record LogInRequest(string? Email, string? Password);

public sealed record AuthResponse(string Token, Guid UserId, string Email, string Handle);

/// <summary>The caller's own account; the email is shown to its owner only.</summary>
public sealed record ProfileResponse(Guid UserId, string Email, string Handle);
