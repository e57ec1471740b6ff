namespace Stories.Api.Infrastructure.Problems;

public static class ExceptionChain
{
    /// <summary>
    /// The exception and its inner exceptions, outermost first: EF Core wraps a driver's exception (in
    /// DbUpdateException, and that in its execution strategy's), so what failed is found down the chain.
    /// </summary>
    public static IEnumerable<Exception> Chain(this Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
