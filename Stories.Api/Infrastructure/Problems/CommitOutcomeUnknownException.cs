namespace Stories.Api.Infrastructure.Problems;

/// <summary>
/// The database was lost while a transaction was committing: it may or may not have committed, and the
/// client must be told so rather than "nothing was changed" (ProblemExceptionHandler answers 503).
/// </summary>
public sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The database was lost during COMMIT; the outcome is unknown.", inner);
