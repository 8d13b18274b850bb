using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SourceApp.Api;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public class RequestLogTests
{
    [Fact]
    public async Task EachRequest_LogsOneStructuredDebugLine()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = new SourceAppFactory(services: s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            s.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(null, typeof(JsonErrorsMiddleware).FullName, LogLevel.Debug, null)));
        });
        using var client = app.CreateClient();

        await client.GetAsync("/api/data/apple");
        await client.GetAsync("/api/data/a%2Fb");
        await client.DeleteAsync("/api/keys");

        var lines = logs.Entries.Where(e => e.Category == typeof(JsonErrorsMiddleware).FullName).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Equal(LogLevel.Debug, l.Level));
        Assert.All(lines, l => Assert.Equal(6, l.EventId.Id));
        Assert.Equal(["GET", "GET", "DELETE"], lines.Select(l => l.Fields["Method"]));
        Assert.Equal(["/api/data/apple", "/api/data/a%2Fb", "/api/keys"], lines.Select(l => l.Fields["Target"]));
        Assert.Equal([200, 404, 405], lines.Select(l => l.Fields["StatusCode"]));
        Assert.All(lines, l => Assert.IsType<double>(l.Fields["ElapsedMs"]));
        Assert.StartsWith("GET /api/data/apple -> 200 in ", lines[0].Message);
    }
}
