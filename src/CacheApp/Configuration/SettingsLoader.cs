using System.Globalization;
using System.Net;
using GroupCache.Http;

namespace CacheApp.Configuration;

/// <summary>
/// Reads <see cref="CacheAppSettings"/> from environment variables named as the seed names them.
/// Every bad value is reported at once, so that a misconfigured node stops at start with one clear
/// message instead of failing later on a request.
/// </summary>
public static class SettingsLoader
{
    /// <summary>The longest duration a setting other than CACHE_TTL takes: 24 days, about int.MaxValue milliseconds.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(24);

    /// <param name="env">Reads a variable (<see cref="Environment.GetEnvironmentVariable(string)"/> in the service).</param>
    /// <param name="detectHost">Detects the internal IP; called only when SELF_HOST is unset.</param>
    /// <exception cref="SettingsException">Some value is invalid.</exception>
    public static CacheAppSettings Load(Func<string, string?> env, Func<string> detectHost)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(detectHost);
        var errors = new List<string>();
        string? Get(string name) => env(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        int apiPort = Port("API_PORT", CacheAppSettings.DefaultApiPort);
        int gcPort = Port("GROUPCACHE_PORT", CacheAppSettings.DefaultGroupCachePort);
        if (apiPort == gcPort && apiPort != 0)
        {
            errors.Add($"API_PORT and GROUPCACHE_PORT must differ (both are {apiPort}).");
        }

        // On Kubernetes the downward API gives the pod's IP (POD_IP): the address DNS and the
        // endpoints list for this node, so its name on its own ring matches theirs.
        string? podIp = Get("POD_IP");
        if (podIp is not null && !IPAddress.TryParse(podIp.Trim('[', ']'), out _))
        {
            errors.Add($"POD_IP '{podIp}' must be an IP address (the pod's, from the downward API: status.podIP).");
            podIp = null;
        }

        string selfHost = Get("SELF_HOST") ?? podIp?.Trim('[', ']') ?? detectHost();
        if (Uri.CheckHostName(selfHost.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            errors.Add($"SELF_HOST '{selfHost}' is not a host name or IP address.");
            selfHost = "localhost";
        }
        else if (IPAddress.TryParse(selfHost.Trim('[', ']'), out var announced) && (announced.Equals(IPAddress.Any) || announced.Equals(IPAddress.IPv6Any)))
        {
            // The address others reach this node at. "Any" is a BIND_HOST value: announced, it sends
            // every other node's requests for this node's keys, and its probes, to itself.
            errors.Add($"SELF_HOST '{selfHost}' is the any-address, which names no node; set the address the others reach this node at (BIND_HOST is where it listens).");
            selfHost = "localhost";
        }

        string urlHost = IPAddress.TryParse(selfHost, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{selfHost}]"
            : selfHost;
        string selfApi = Address("SELF_API_ADDR", $"http://{urlHost}:{apiPort}");
        string selfGc = Address("SELF_GROUPCACHE_ADDR", $"http://{urlHost}:{gcPort}");
        string source = SourceUrl(Get("SOURCEAPP_SERVICE_URL") ?? $"http://{urlHost}:{CacheAppSettings.DefaultSourcePort}");

        var initialPeers = AddressList("INITIAL_PEERS") ?? [];
        initialPeers = [.. initialPeers.Where(p => p != selfApi)];

        var staticPeers = AddressList("GROUPCACHE_PEERS");
        if (staticPeers is not null && !staticPeers.Contains(selfGc))
        {
            errors.Add($"GROUPCACHE_PEERS must include this node's own groupcache address {selfGc} (SELF_GROUPCACHE_ADDR); a node that is not on its ring would forward every key.");
        }

        var discovery = Discovery(staticPeers);
        string? dnsName = DnsName(discovery);
        var dnsServer = DnsServer();
        string? k8sService = KubernetesName("K8S_SERVICE", 63);
        if (discovery == DiscoveryMode.Kubernetes && k8sService is null)
        {
            errors.Add("DISCOVERY=kubernetes needs K8S_SERVICE, the service whose ready endpoints are the ring.");
        }

        // The API server is found the way the client library finds it: in a pod from the variables
        // Kubernetes sets, elsewhere from a kubeconfig. Without either the watch could never start.
        if (discovery == DiscoveryMode.Kubernetes && Get("KUBERNETES_SERVICE_HOST") is null && Get("KUBECONFIG") is null)
        {
            errors.Add("DISCOVERY=kubernetes needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST and the service-account files) or name a kubeconfig in KUBECONFIG.");
        }

        string groupName = Get("GROUP_NAME") ?? CacheAppSettings.DefaultGroupName;
        if (groupName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || groupName.Length > 128)
        {
            errors.Add($"GROUP_NAME '{groupName}' must be at most 128 characters without spaces.");
        }

        long cacheBytes = CacheAppSettings.DefaultCacheBytes;
        if (Get("CACHE_BYTES") is { } sizeText && !ValueParsers.TryParseByteSize(sizeText, out cacheBytes))
        {
            errors.Add($"CACHE_BYTES '{sizeText}' is not a size (like 67108864, 512KB, 64MB or 1GiB).");
        }

        long maxValueBytes = CacheAppSettings.DefaultMaxValueBytes;
        if (Get("MAX_VALUE_BYTES") is { } maxText && (!ValueParsers.TryParseByteSize(maxText, out maxValueBytes) || maxValueBytes <= 0 || maxValueBytes > GroupCache.Http.HttpPoolOptions.MaxValueBytesLimit))
        {
            errors.Add($"MAX_VALUE_BYTES '{maxText}' is not a positive size below 2GiB (like 1048576, 512KB or 64MB).");
            maxValueBytes = CacheAppSettings.DefaultMaxValueBytes;
        }

        string? bindHost = Get("BIND_HOST");
        if (bindHost is "*" or "0.0.0.0" or "::" or "[::]")
        {
            bindHost = null;
        }
        else if (bindHost is not null && bindHost != "localhost" && !IPAddress.TryParse(bindHost, out _))
        {
            errors.Add($"BIND_HOST '{bindHost}' must be an IP address, 'localhost' or '*'.");
        }

        IPAddress? outgoingBind = null;
        if (Get("OUTGOING_BIND_HOST") is { } outgoingText && !IPAddress.TryParse(outgoingText.Trim('[', ']'), out outgoingBind))
        {
            errors.Add($"OUTGOING_BIND_HOST '{outgoingText}' must be an IP address.");
        }
        else if (outgoingBind is not null && GroupCache.Http.OutgoingConnections.BindProblem(outgoingBind) is { } bindProblem)
        {
            // Checked here, so that the message names this variable: the peer pool would refuse it
            // too, but as its own setting and after the settings were taken (a crash at start).
            errors.Add($"OUTGOING_BIND_HOST '{outgoingBind}' must be an address of this host: a socket cannot be bound to it ({bindProblem}).");
        }

        var sourceTimeout = Duration("SOURCE_TIMEOUT", CacheAppSettings.DefaultSourceTimeout);
        var settings = new CacheAppSettings
        {
            ApiPort = apiPort,
            GroupCachePort = gcPort,
            SelfHost = selfHost,
            SelfApiAddr = selfApi,
            SelfGroupCacheAddr = selfGc,
            InitialPeers = initialPeers,
            SourceUrl = source,
            GroupName = groupName,
            CacheBytes = cacheBytes,
            StaticPeers = staticPeers,
            BindHost = bindHost,
            OutgoingBindAddress = outgoingBind,
            NodeName = Get("NODE_NAME") ?? (selfApi.IndexOf("://", StringComparison.Ordinal) is int at and >= 0 ? selfApi[(at + 3)..] : selfApi),
            SourceTimeout = sourceTimeout,
            SourceHealthInterval = Duration("SOURCE_HEALTH_INTERVAL", CacheAppSettings.DefaultSourceHealthInterval),
            // By default a second longer than a source load, within what a peer timeout may be.
            PeerTimeout = Duration("PEER_TIMEOUT", TimeSpan.FromTicks(Math.Min((sourceTimeout + TimeSpan.FromSeconds(1)).Ticks, MaxDuration.Ticks))),
            CacheTtl = Duration("CACHE_TTL", TimeSpan.Zero, allowZero: true, max: GroupCache.GroupOptions.MaxTtl),
            GossipInterval = Duration("GOSSIP_INTERVAL", CacheAppSettings.DefaultGossipInterval),
            MemberDeadAfter = Duration("MEMBER_DEAD_AFTER", CacheAppSettings.DefaultMemberDeadAfter),
            MemberForgetAfter = Duration("MEMBER_FORGET_AFTER", CacheAppSettings.DefaultMemberForgetAfter),
            ClusterSecret = ClusterSecret(),
            MaxValueBytes = maxValueBytes,
            Discovery = discovery,
            DnsName = dnsName,
            DnsInterval = Duration("DNS_INTERVAL", CacheAppSettings.DefaultDnsInterval),
            DnsServer = dnsServer,
            KubernetesService = k8sService,
            KubernetesNamespace = KubernetesName("K8S_NAMESPACE", 63),
            KubernetesPortName = KubernetesName("K8S_PORT_NAME", 15),
        };

        if (settings.MemberDeadAfter < settings.GossipInterval * 2)
        {
            errors.Add($"MEMBER_DEAD_AFTER ({settings.MemberDeadAfter.TotalMilliseconds}ms) must be at least twice GOSSIP_INTERVAL ({settings.GossipInterval.TotalMilliseconds}ms).");
        }

        if (settings.MemberForgetAfter < settings.MemberDeadAfter)
        {
            errors.Add("MEMBER_FORGET_AFTER must not be shorter than MEMBER_DEAD_AFTER.");
        }

        if (errors.Count > 0)
        {
            throw new SettingsException(string.Join(Environment.NewLine, errors));
        }

        return settings;

        int Port(string name, int fallback)
        {
            if (Get(name) is not { } text)
            {
                return fallback;
            }

            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
            {
                return port;
            }

            errors.Add($"{name} '{text}' is not a port number (1-65535).");
            return fallback;
        }

        string Address(string name, string fallback)
        {
            string text = Get(name) ?? fallback;
            if (PeerAddress.TryNormalize(text, out string normalized, out string? error))
            {
                return normalized;
            }

            errors.Add($"{name}: {error}");
            return text;
        }

        List<string>? AddressList(string name)
        {
            if (Get(name) is not { } text)
            {
                return null;
            }

            var list = new List<string>();
            foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (PeerAddress.TryNormalize(item, out string normalized, out string? error))
                {
                    if (!list.Contains(normalized))
                    {
                        list.Add(normalized);
                    }
                }
                else
                {
                    errors.Add($"{name}: {error}");
                }
            }

            if (list.Count > CacheAppSettings.MaxMembers)
            {
                errors.Add($"{name} lists {list.Count} addresses; at most {CacheAppSettings.MaxMembers} are allowed.");
            }

            return list;
        }

        // CLUSTER_SECRET, or the contents of CLUSTER_SECRET_FILE (a mounted Kubernetes secret, say),
        // trimmed as the variable is, so that a file written with echo carries the same secret.
        string? ClusterSecret()
        {
            string? secret = ReadClusterSecret();
            if (secret is not null && HttpPoolOptions.ClusterSecretProblem(secret) is { } problem)
            {
                // The library's rule, checked here so that the message names the variable.
                errors.Add($"CLUSTER_SECRET {problem}");
            }

            return secret;
        }

        string? ReadClusterSecret()
        {
            string? inline = Get("CLUSTER_SECRET");
            if (Get("CLUSTER_SECRET_FILE") is not { } path)
            {
                return inline;
            }

            if (inline is not null)
            {
                errors.Add("CLUSTER_SECRET and CLUSTER_SECRET_FILE are both set; set only one.");
                return inline;
            }

            string text;
            try
            {
                text = File.ReadAllText(path).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                errors.Add($"CLUSTER_SECRET_FILE '{path}' cannot be read: {ex.Message}");
                return null;
            }

            if (text.Length == 0)
            {
                errors.Add($"CLUSTER_SECRET_FILE '{path}' is empty; a node without a secret would accept anyone's cluster messages.");
                return null;
            }

            return text;
        }

        // DISCOVERY, or by default what the seed did: a fixed ring when GROUPCACHE_PEERS is set, else gossip.
        DiscoveryMode Discovery(List<string>? fixedRing)
        {
            var fallback = fixedRing is null ? DiscoveryMode.Gossip : DiscoveryMode.Static;
            if (Get("DISCOVERY") is not { } text)
            {
                return fallback;
            }

            DiscoveryMode? mode = text.ToLowerInvariant() switch
            {
                "gossip" => DiscoveryMode.Gossip,
                "static" => DiscoveryMode.Static,
                "dns" => DiscoveryMode.Dns,
                "kubernetes" => DiscoveryMode.Kubernetes,
                _ => null,
            };
            if (mode is not { } chosen)
            {
                errors.Add($"DISCOVERY '{text}' must be gossip, static, dns or kubernetes.");
                return fallback;
            }

            if (chosen == DiscoveryMode.Static && fixedRing is null)
            {
                errors.Add("DISCOVERY=static needs GROUPCACHE_PEERS, the fixed ring (this node's groupcache address included).");
            }
            else if (chosen != DiscoveryMode.Static && fixedRing is not null)
            {
                errors.Add($"GROUPCACHE_PEERS is a fixed ring, used only with DISCOVERY=static; DISCOVERY is {text}: unset one of them.");
            }

            return chosen;
        }

        string? DnsName(DiscoveryMode mode)
        {
            string? name = Get("DNS_NAME");
            if (name is null)
            {
                if (mode == DiscoveryMode.Dns)
                {
                    errors.Add("DISCOVERY=dns needs DNS_NAME, the name whose records list the nodes (like groupcache.default.svc.cluster.local).");
                }

                return null;
            }

            if (Uri.CheckHostName(name.TrimEnd('.')) != UriHostNameType.Dns)
            {
                errors.Add($"DNS_NAME '{name}' is not a DNS name (like groupcache.default.svc.cluster.local).");
            }

            return name;
        }

        // An IP address and port; the port may be left out for 53. A host name cannot be: it would need DNS to find DNS.
        IPEndPoint? DnsServer()
        {
            if (Get("DNS_SERVER") is not { } text)
            {
                return null;
            }

            if (IPAddress.TryParse(text.Trim('[', ']'), out var address))
            {
                return new IPEndPoint(address, 53);
            }

            if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0)
            {
                return endpoint;
            }

            errors.Add($"DNS_SERVER '{text}' must be an IP address and port (like 127.0.0.1:5353, [::1]:53, or 10.96.0.10 for port 53).");
            return null;
        }

        // Kubernetes object names are DNS labels: lower-case letters, digits and '-', not at either end.
        string? KubernetesName(string name, int maxLength)
        {
            if (Get(name) is not { } text)
            {
                return null;
            }

            bool valid = text.Length <= maxLength
                && text.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                && text[0] != '-' && text[^1] != '-';
            if (!valid)
            {
                errors.Add($"{name} '{text}' must be a Kubernetes name: at most {maxLength} lower-case letters, digits and '-', starting and ending with a letter or digit.");
            }

            return text;
        }

        string SourceUrl(string text)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.Query.Length == 0 && uri.Fragment.Length == 0)
            {
                return text.TrimEnd('/');
            }

            errors.Add($"SOURCEAPP_SERVICE_URL '{text}' must be an http:// or https:// URL (like http://127.0.0.1:8086).");
            return text;
        }

        // From 1ms (timers count whole milliseconds) to MaxDuration (timers and socket timeouts take
        // at most int.MaxValue ms), or zero where it means "never": a value outside would be taken
        // here and then fail deep in the host, with a stack trace instead of this message.
        TimeSpan Duration(string name, TimeSpan fallback, bool allowZero = false, TimeSpan? max = null)
        {
            if (Get(name) is not { } text)
            {
                return fallback;
            }

            var most = max ?? MaxDuration;
            if (ValueParsers.TryParseDuration(text, out var value)
                && ((value >= TimeSpan.FromMilliseconds(1) && value <= most) || (allowZero && value == TimeSpan.Zero)))
            {
                return value;
            }

            string range = $"from 1ms to {most.TotalDays:0.#} days{(allowZero ? ", or 0 for none" : "")}";
            errors.Add($"{name} '{text}' is not a duration {range} (like 500ms, 3s or 1m).");
            return fallback;
        }
    }
}
