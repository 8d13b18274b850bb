using System.Collections.Concurrent;
using GroupCache;
using Microsoft.Data.Sqlite;

// A product catalogue on a three-node groupcache: each product is read from SQLite once across
// the cluster, by the node that owns its id; GET /stats shows how often this node loaded each id.
var builder = WebApplication.CreateBuilder(args);
var store = new ProductStore(builder.Configuration["Catalog:Database"] ?? "products.db");
store.Seed(count: 1000);

// The README's snippet: GroupCache:Self and GroupCache:Peers come from configuration.
builder.Services.AddGroupCache()
    .AddGroup("products", 16 << 20, store.LoadAsync);

var app = builder.Build();
app.MapGroupCache();

app.MapGet("/products/{id}", async (string id, [FromKeyedServices("products")] Group products, CancellationToken ct) =>
    await products.TryGetStringAsync(id, ct) is { } json ? Results.Text(json, "application/json") : Results.NotFound());
app.MapGet("/stats", () => Results.Ok(new { loads = store.TotalLoads, byKey = store.LoadsByKey }));

app.Run();

/// <summary>The system of record, a SQLite file of products, and how often each id was loaded from it.</summary>
internal sealed class ProductStore(string path)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();
    private readonly ConcurrentDictionary<string, int> _loads = new(StringComparer.Ordinal);

    public int TotalLoads => _loads.Values.Sum();

    public IReadOnlyDictionary<string, int> LoadsByKey => _loads;

    /// <summary>Creates products 1..count, if the file lacks them, with a name and a price made from the id.</summary>
    public void Seed(int count)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL);
            WITH RECURSIVE ids(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM ids WHERE id < $count)
            INSERT OR IGNORE INTO products SELECT id, 'product ' || id, round(id * 1.25, 2) FROM ids;
            """;
        command.Parameters.AddWithValue("$count", count);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>The group's getter: the product as JSON, or NotFoundException for an unknown id.</summary>
    public async ValueTask<ByteView> LoadAsync(string id, CancellationToken ct)
    {
        _loads.AddOrUpdate(id, 1, (_, n) => n + 1);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT json_object('id', id, 'name', name, 'price', price) FROM products WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteScalarAsync(ct) is string json
            ? ByteView.FromString(json)
            : throw new NotFoundException($"no product {id}");
    }
}
