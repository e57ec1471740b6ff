namespace Stories.Api.Infrastructure.Problems;

/// <summary>
/// The database was lost while a change was committing (a <c>COMMIT</c>, or an autocommitted statement):
/// it may or may not have committed, and the client must be told so rather than "nothing was changed"
/// (ProblemExceptionHandler answers 503).
/// </summary>
public sealed class CommitOutcomeUnknownException(Exception inner) : Exception("The database was lost while a change committed; the outcome is unknown.", inner);
