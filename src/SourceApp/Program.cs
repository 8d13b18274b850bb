using SourceApp;
using SourceApp.Options;

// sourceapp: the SQLite-backed data service. Flags as in the Go seed: -db, -http, -name (see --help).
var parsed = SourceOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
if (parsed.ShowHelp)
{
    Console.Out.Write(SourceOptionsParser.Usage);
    return 0;
}

if (parsed.Options is null)
{
    Console.Error.WriteLine($"SourceApp: {parsed.Error}");
    Console.Error.Write(SourceOptionsParser.Usage);
    return 2; // as Go's flag package
}

var app = SourceApplication.Build(parsed.Options, parsed.HostArgs);
return await SourceApplication.RunAsync(app, parsed.Options);

/// <summary>Visible to WebApplicationFactory&lt;Program&gt; in the tests.</summary>
public partial class Program;
