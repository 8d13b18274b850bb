namespace GroupCache.Lru;

/// <summary>An entry that is its own node in a <see cref="RecencyList{T}"/>, so that an entry costs one object.</summary>
internal abstract class RecencyNode<T>
    where T : RecencyNode<T>
{
    public T? Newer;
    public T? Older;
}

/// <summary>
/// An intrusive doubly linked list from newest to oldest: O(1) push, unlink and move to front.
/// Not safe for concurrent use; the cache that owns it guards it.
/// </summary>
internal struct RecencyList<T>
    where T : RecencyNode<T>
{
    public T? Newest { get; private set; }

    public T? Oldest { get; private set; }

    public void PushFront(T node)
    {
        node.Newer = null;
        node.Older = Newest;
        if (Newest is not null)
        {
            Newest.Newer = node;
        }

        Newest = node;
        Oldest ??= node;
    }

    public void MoveToFront(T node)
    {
        if (!ReferenceEquals(Newest, node))
        {
            Unlink(node);
            PushFront(node);
        }
    }

    public void Unlink(T node)
    {
        if (node.Newer is not null)
        {
            node.Newer.Older = node.Older;
        }
        else
        {
            Newest = node.Older;
        }

        if (node.Older is not null)
        {
            node.Older.Newer = node.Newer;
        }
        else
        {
            Oldest = node.Newer;
        }

        node.Newer = null;
        node.Older = null;
    }
}
