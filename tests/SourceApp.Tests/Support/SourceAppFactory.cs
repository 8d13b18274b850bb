using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SourceApp.Storage;

namespace SourceApp.Tests.Support;

/// <summary>
/// The real application in this process, served by real Kestrel on 127.0.0.1 (a free port), on a real
/// SQLite file in a temp folder. Kestrel rather than the in-memory TestServer because keys are read
/// from the raw request target, which TestServer does not provide. Settings are passed as the
/// service's own flags (WebApplicationFactory hands them to Program as <c>--name=value</c>).
/// </summary>
public sealed class SourceAppFactory : WebApplicationFactory<Program>
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, string> _flags = new(StringComparer.Ordinal);
    private readonly Action<IServiceCollection>? _services;

    public SourceAppFactory(IReadOnlyDictionary<string, string>? flags = null, Action<IServiceCollection>? services = null)
    {
        DatabasePath = _folder.File("data", "sqlite.db");
        _flags["db"] = DatabasePath;
        _flags["name"] = "test-node";
        _flags["http"] = "127.0.0.1:0";
        foreach (var (key, value) in flags ?? new Dictionary<string, string>())
        {
            _flags[key] = value;
        }

        _services = services;
        // The service's own -http flag says where Kestrel listens; nothing to add here.
        UseKestrel(_ => { });
    }

    public string DatabasePath { get; }

    /// <summary>The application's store, for arranging data faster than over HTTP.</summary>
    public IRecordStore Store => Services.GetRequiredService<IRecordStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _flags)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _folder.Dispose();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}
