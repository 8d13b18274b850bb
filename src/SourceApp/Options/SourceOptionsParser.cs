using System.Globalization;

namespace SourceApp.Options;

/// <summary>What the command line asked for: options to run with, help, or an error to print with usage.</summary>
public sealed record ParseResult(SourceOptions? Options, IReadOnlyList<string> HostArgs, bool ShowHelp, string? Error);

/// <summary>
/// Parses flags the way Go's <c>flag</c> package does for the seed's sourceapp: <c>-db PATH</c>,
/// <c>-db=PATH</c>, <c>--db PATH</c> and <c>--db=PATH</c> all work; <c>-h</c>/<c>--help</c> asks for usage;
/// an unknown flag, a missing or bad value, or a stray argument is an error.
/// </summary>
public static class SourceOptionsParser
{
    public const string TokenEnvironmentVariable = "SOURCEAPP_TOKEN";
    public const string NotifySecretEnvironmentVariable = "SOURCEAPP_NOTIFY_SECRET";

    // ASP.NET Core host settings. WebApplicationFactory passes its settings this way
    // (--environment=Development, --contentRoot=...), and they are useful to operators too;
    // they go to the host builder untouched.
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "environment", "contentRoot", "applicationName",
    };

    public const string Usage = """
        Usage: SourceApp [flags]

        The SQLite-backed data service of GroupCache.NET.

        Flags (also written --flag, -flag=value or --flag=value):
          -db PATH          SQLite database file; its folder is created (default "./data/sqlite.db")
          -http ADDR        listen address: :8086, 127.0.0.1:8086, 0.0.0.0:8086, [::1]:8086,
                            localhost:8086; port 0 picks a free port (default ":8086")
          -name NAME        node name, shown in logs and in /health (default "sourceapp")
          -max-body BYTES   largest PUT body accepted, in bytes, at most 268435456 (256 MiB)
                            (default 1048576)
          -notify URLS      comma-separated cache node API addresses (http://host:port) told to
                            drop a key after each committed PUT or DELETE; the write is answered
                            once every node confirmed (default: none)
          -notify-timeout D how long a write waits for the nodes to confirm, e.g. 1s, 250ms, 1.5s;
                            nodes not confirmed by then are named in X-Notify-Unreached and
                            retried in the background (default 1s)
          -notify-async     answer writes at once and notify in the background, as before
                            (one node per key; no read-your-writes through the cache)
          -notify-secret S  the nodes' cluster secret, sent with each notification; needed when
                            the nodes run with CLUSTER_SECRET (default: $SOURCEAPP_NOTIFY_SECRET,
                            which keeps it out of the process list)
          -token TOKEN      require "Authorization: Bearer TOKEN" on PUT and DELETE; surrounding
                            whitespace is not part of it, and an empty TOKEN is an error
                            (default: $SOURCEAPP_TOKEN, else no token)
          -h, --help        print this help

        """;

    public static ParseResult Parse(IReadOnlyList<string> args, Func<string, string?>? environment = null)
    {
        var options = new SourceOptions();
        var hostArgs = new List<string>();
        var token = environment?.Invoke(TokenEnvironmentVariable);
        options.NotifySecret = environment?.Invoke(NotifySecretEnvironmentVariable);

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length < 2 || arg[0] != '-' || arg == "--")
            {
                return Fail($"unexpected argument \"{arg}\"");
            }

            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            string name;
            string? value = null;
            var equals = body.IndexOf('=');
            if (equals >= 0)
            {
                name = body[..equals];
                value = body[(equals + 1)..];
            }
            else
            {
                name = body;
            }

            if (name is "h" or "help")
            {
                return new ParseResult(null, hostArgs, ShowHelp: true, Error: null);
            }

            if (HostKeys.Contains(name))
            {
                if (value is null && !TryTakeValue(args, ref i, out value))
                {
                    return Fail($"flag needs an argument: -{name}");
                }

                hostArgs.Add($"--{name}={value}");
                continue;
            }

            if (name is not ("db" or "http" or "name" or "max-body" or "notify" or "notify-secret" or "notify-timeout" or "notify-async" or "token"))
            {
                return Fail($"flag provided but not defined: -{name}");
            }

            // A boolean flag takes no separate value, as in Go: -notify-async or -notify-async=false.
            if (name == "notify-async")
            {
                if (value is null)
                {
                    options.NotifyAsync = true;
                    continue;
                }

                if (!bool.TryParse(value, out var notifyAsync))
                {
                    return Fail($"invalid boolean value \"{value}\" for flag -notify-async: want true or false");
                }

                options.NotifyAsync = notifyAsync;
                continue;
            }

            if (value is null && !TryTakeValue(args, ref i, out value))
            {
                return Fail($"flag needs an argument: -{name}");
            }

            var error = Apply(options, name, value, ref token);
            if (error is not null)
            {
                return Fail(error);
            }
        }

        // Trimmed as the presented token is (WriteToken): a secret file's trailing newline is not part of
        // the token. A blank $SOURCEAPP_TOKEN means none, as an unset one does; a blank -token never gets here.
        options.WriteToken = string.IsNullOrWhiteSpace(token) ? null : token.Trim();
        options.NotifySecret = string.IsNullOrWhiteSpace(options.NotifySecret) ? null : options.NotifySecret.Trim();
        return new ParseResult(options, hostArgs, ShowHelp: false, Error: null);
    }

    private static string? Apply(SourceOptions options, string name, string value, ref string? token)
    {
        switch (name)
        {
            case "db":
                if (value.Length == 0)
                {
                    return "invalid value \"\" for flag -db: empty path";
                }

                options.DatabasePath = value;
                return null;
            case "http":
                if (!ListenAddress.TryParse(value, out var address, out var error))
                {
                    return $"invalid value \"{value}\" for flag -http: {error}";
                }

                options.Listen = address;
                return null;
            case "name":
                if (value.Length == 0)
                {
                    return "invalid value \"\" for flag -name: empty name";
                }

                options.Name = value;
                return null;
            case "max-body":
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 1
                    || bytes > SourceOptions.LargestMaxBodyBytes)
                {
                    return $"invalid value \"{value}\" for flag -max-body: want a number of bytes from 1 to {SourceOptions.LargestMaxBodyBytes}";
                }

                options.MaxBodyBytes = bytes;
                return null;
            case "notify":
                // Node URLs are named in answers to writers (X-Notify-Unreached) and in logs, so a
                // password in one would reach every writer; and no error below may echo one either.
                if (value.Contains('@', StringComparison.Ordinal))
                {
                    return "invalid value for flag -notify: a node URL may not hold a user name or password (it would be shown to writers and in logs); the nodes' secret goes in -notify-secret";
                }

                var urls = new List<Uri>();
                foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                        || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                    {
                        return $"invalid value \"{value}\" for flag -notify: \"{part}\" is not an http(s) base URL";
                    }

                    urls.Add(uri);
                }

                options.NotifyUrls = urls;
                return null;
            case "notify-secret":
                options.NotifySecret = value;
                return null;
            case "notify-timeout":
                if (!TryParseDuration(value, out var timeout) || timeout <= TimeSpan.Zero)
                {
                    return $"invalid value \"{value}\" for flag -notify-timeout: want a positive duration such as 1s, 250ms or 1.5s";
                }

                options.NotifyTimeout = timeout;
                return null;
            case "token":
                // An empty -token (say -token "$T" with T unset) must neither turn the check off nor fall
                // back to $SOURCEAPP_TOKEN: whoever wrote it meant a token. The value is not echoed.
                if (string.IsNullOrWhiteSpace(value))
                {
                    return "invalid value for flag -token: the token is empty; leave the flag out to use $SOURCEAPP_TOKEN or to run without a token";
                }

                token = value;
                return null;
            default:
                return $"flag provided but not defined: -{name}";
        }
    }

    /// <summary>A number with a unit, as Go's time.ParseDuration writes the common cases: ms, s, m.</summary>
    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }

        var unit = text[unitStart..];
        if (!double.TryParse(text.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? milliseconds = unit switch
        {
            "ms" => amount,
            "s" => amount * 1000,
            "m" => amount * 60_000,
            _ => null,
        };
        if (milliseconds is not { } ms || ms > TimeSpan.FromHours(1).TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    // Go's flag package takes the next argument as the value, even when it starts with '-'.
    private static bool TryTakeValue(IReadOnlyList<string> args, ref int i, out string value)
    {
        if (i + 1 >= args.Count)
        {
            value = "";
            return false;
        }

        value = args[++i];
        return true;
    }

    private static ParseResult Fail(string error) => new(null, [], ShowHelp: false, Error: error);
}
