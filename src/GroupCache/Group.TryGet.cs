namespace GroupCache;

public sealed partial class Group
{
    /// <summary>
    /// Like <see cref="GetAsync"/>, but an absent key (the source threw <see cref="NotFoundException"/>)
    /// is null instead of an exception. Other failures still throw.
    /// </summary>
    public ValueTask<ByteView?> TryGetAsync(string key, CancellationToken cancellationToken = default)
    {
        var pending = GetAsync(key, cancellationToken);
        return pending.IsCompletedSuccessfully ? new ValueTask<ByteView?>(pending.Result) : AbsentAsNullAsync(pending);
    }

    private static async ValueTask<ByteView?> AbsentAsNullAsync(ValueTask<ByteView> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}
