namespace GroupCache;

/// <summary>
/// Points inside a group's load and remove paths where a test can pause one caller, so that an
/// interleaving that the scheduler almost never produces can be forced and checked every run.
/// </summary>
/// <remarks>
/// None of them is on the cache-hit path; unset, each costs one null check on a miss or a remove.
/// </remarks>
internal sealed class GroupTestHooks
{
    /// <summary>Awaited after a caller missed the caches and before it starts or joins a flight.</summary>
    public Func<string, Task>? BeforeFlight { get; init; }

    /// <summary>Awaited inside a flight, right after it looked the key up in the caches again.</summary>
    public Func<string, Task>? AfterFlightCacheCheck { get; init; }

    /// <summary>Called by <see cref="Group.Remove"/> after each of its steps, on the removing thread.</summary>
    public Action<string, RemoveStep>? DuringRemove { get; init; }
}

/// <summary>The steps of <see cref="Group.Remove"/>, named by what has just been done.</summary>
internal enum RemoveStep
{
    GenerationBumped,
    CachesCleared,
    FlightsForgotten,
}
