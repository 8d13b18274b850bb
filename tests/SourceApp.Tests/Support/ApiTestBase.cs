namespace SourceApp.Tests.Support;

/// <summary>A fresh SourceApp on Kestrel (127.0.0.1, temp SQLite file) and a client for it, per test.</summary>
public abstract class ApiTestBase : IAsyncLifetime
{
    protected SourceAppFactory _app = null!;
    protected HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _app = new SourceAppFactory();
        _client = _app.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }
}
