using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GroupCache.Http;

/// <summary>
/// Checks <see cref="GroupCacheOptions"/> when the host starts and names every bad setting by its
/// configuration path. The pool's and the groups' own rules are asked, not repeated.
/// </summary>
internal sealed class GroupCacheOptionsValidator(GroupRegistrations registrations, IServiceProvider services) : IValidateOptions<GroupCacheOptions>
{
    private const string Section = GroupCacheOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, GroupCacheOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Self))
        {
            failures.Add($"{Section}Self is required: this node's base URL as its peers reach it (like http://127.0.0.1:5000).");
        }
        else if (!PeerAddress.TryNormalize(options.Self, out _, out string? error))
        {
            failures.Add($"{Section}Self: {error}");
        }

        for (int i = 0; i < options.Peers.Count; i++)
        {
            if (!PeerAddress.TryNormalize(options.Peers[i], out _, out string? error))
            {
                failures.Add($"{Section}Peers:{i}: {error}");
            }
        }

        foreach (var (setting, problem) in options.ToPoolOptions().FindProblems())
        {
            failures.Add($"{Section}{setting} {problem}");
        }

        if (options.PeerPort is < 1 or > 65535)
        {
            failures.Add($"{Section}PeerPort must be between 1 and 65535 (or unset to serve peers on every port), got {options.PeerPort}.");
        }

        if (options.LocalAddress is not null && !System.Net.IPAddress.TryParse(options.LocalAddress, out _))
        {
            failures.Add($"{Section}LocalAddress must be an IP address of this host (like 127.0.0.2), got '{options.LocalAddress}'.");
        }

        foreach (var (group, settings) in options.Groups)
        {
            ValidateGroup(group, settings, failures);
        }

        FindUnreadableGroupValues(failures);

        // What the binder could not convert, unless a message above already names that setting.
        foreach (string message in services.GetService<ConfigurationBindFailures>()?.Messages ?? [])
        {
            if (!failures.Any(f => message.Contains(f.Split(' ')[0], StringComparison.Ordinal)))
            {
                failures.Add(message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The binder leaves a dictionary entry's value that does not parse at its default instead of
    /// failing (a TTL of "soon" would mean forever), so the groups' raw values are read here.
    /// </summary>
    private void FindUnreadableGroupValues(List<string> failures)
    {
        var groups = services.GetService<IConfiguration>()?.GetSection(Section + "Groups");
        foreach (var group in groups?.GetChildren() ?? [])
        {
            string? ttl = group[nameof(GroupCacheGroupOptions.Ttl)];
            if (!string.IsNullOrEmpty(ttl) && !TimeSpan.TryParse(ttl, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{group.Path}:Ttl must be a duration like 00:05:00 (hh:mm:ss) or 1.00:00:00 (one day), got '{ttl}'.");
            }

            string? bytes = group[nameof(GroupCacheGroupOptions.CacheBytes)];
            if (!string.IsNullOrEmpty(bytes) && !long.TryParse(bytes, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                failures.Add($"{group.Path}:CacheBytes must be a whole number of bytes, got '{bytes}'.");
            }
        }
    }

    private void ValidateGroup(string group, GroupCacheGroupOptions? settings, List<string> failures)
    {
        string path = $"{Section}Groups:{group}";
        if (!registrations.Contains(group))
        {
            failures.Add($"{path} configures a group that is not registered: add it in code with AddGroup(\"{group}\", ...).");
        }

        if (settings?.CacheBytes is < 0)
        {
            failures.Add($"{path}:CacheBytes must be 0 or more (0 caches nothing), got {settings.CacheBytes}.");
        }

        if (settings?.Ttl is { } ttl && !GroupOptions.IsValidTtl(ttl))
        {
            failures.Add($"{path}:Ttl {GroupOptions.TtlRange[..^1]}, got {ttl}.");
        }
    }
}
