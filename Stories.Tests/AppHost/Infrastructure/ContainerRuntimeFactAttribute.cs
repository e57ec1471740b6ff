namespace Stories.AppHost.Tests.Infrastructure;

/// <summary>
/// A fact that runs the AppHost's graph. It is skipped, with the reason, only on a developer's machine
/// without a container runtime (<see cref="ContainerRuntime.SkipReason"/>); everywhere else it runs.
/// </summary>
public sealed class ContainerRuntimeFactAttribute : FactAttribute
{
    public ContainerRuntimeFactAttribute()
    {
        if (ContainerRuntime.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
