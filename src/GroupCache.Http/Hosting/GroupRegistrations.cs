namespace GroupCache.Http;

/// <summary>The groups <c>AddGroup</c> registered, before the container exists: name, size in code, getter.</summary>
internal sealed class GroupRegistrations
{
    private readonly Dictionary<string, Registration> _byName = new(StringComparer.Ordinal);

    public IEnumerable<Registration> All => _byName.Values;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public void Add(Registration registration)
    {
        if (!_byName.TryAdd(registration.Name, registration))
        {
            throw new InvalidOperationException($"A group named '{registration.Name}' is already registered.");
        }
    }

    /// <param name="Name">The group's name.</param>
    /// <param name="CacheBytes">Its cache budget unless configuration says otherwise.</param>
    /// <param name="Getter">Makes its getter once the container exists.</param>
    public sealed record Registration(string Name, long CacheBytes, Func<IServiceProvider, IGetter> Getter);
}
