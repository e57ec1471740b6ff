namespace Stories.Data.Storage;

/// <summary>
/// Storage did not answer, or answered with a failure of its own (not a verdict on the caller's
/// request): the API maps it to 503, the worker logs it and tries again later.
/// </summary>
public sealed class StorageUnavailableException(Exception inner) : Exception("Object storage is unavailable.", inner);
