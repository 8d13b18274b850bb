#!/usr/bin/env bash
# Starts (or stops, or shows) the GroupCache.NET demo: the SQLite source service and a cluster of
# cache nodes, as in the seed's cluster example.
#
#   ./start-services.sh           build once (Release), start, wait until healthy and converged
#   ./start-services.sh --aot     the same with Native AOT executables (publish-aot.sh publishes them
#                                 when the sources changed; needs clang and zlib1g-dev)
#   ./start-services.sh stop      stop exactly the processes this script started (by their PID files)
#   ./start-services.sh status    show what runs
#   ./start-services.sh detect-ip print the internal IP the services would announce
#
# Settings (environment):
#   SELF_HOST     the address other machines reach this one at (default: detected internal IP,
#                 with the cache node's rules; falls back to localhost)
#   NODES         number of cache nodes (default 3)
#   BASE_PORT     node i (0-based) gets API port BASE_PORT+2i and groupcache port BASE_PORT+2i+1 (default 8080)
#   SOURCE_PORT   the source service's port (default 8086)
#   BIND_HOST     listen address: an IP, localhost, or * for all interfaces (default: SELF_HOST when it
#                 is a loopback IP such as 127.0.0.1 or ::1, 127.0.0.1 for localhost, else all interfaces)
#   CACHE_BYTES   each node's cache budget (default 64MB)
#   DOTNET_GCgen0size  the nodes' young-generation budget in hex digits, no 0x (default 4000000,
#                 64 MiB: far fewer collections under load; docs/CACHEAPP.md); set empty
#                 (DOTNET_GCgen0size=) for the runtime's default
#   CLUSTER_SECRET  the nodes' shared secret, which joining, gossip, the peer protocol and
#                 DELETE /api/data/KEY then need (default: a random one, generated into
#                 RUN_DIR/cluster-secret, readable by you only, and reused while that file exists).
#                 Set it empty (CLUSTER_SECRET=) to run without one: anyone who reaches the nodes
#                 can then join their ring and have them serve forged values.
#   CLUSTER_SECRET_FILE  read the secret from this file instead
#   SOURCEAPP_TOKEN  the source's write token, which its PUT and DELETE (and PUT through a node) then
#                 need as "Authorization: Bearer TOKEN" (default: a random one, generated into
#                 RUN_DIR/source-token like the cluster secret). Set it empty to run without one:
#                 anyone who reaches the source can then change its data.
#   LOG_DIR, RUN_DIR, DATA_DIR   logs, PID files, the source's database (default ./logs ./run ./data)
#   CONFIGURATION build configuration (default Release); SKIP_BUILD=1 reuses the last build
#   AOT_OUT       with --aot: where the AOT executables are (default ./publish/aot)
#   WAIT_SECONDS  how long to wait for health and convergence, in seconds without a unit (default 60); a service that exits
#                 meanwhile fails the start at once
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

NODES="${NODES:-3}"
BASE_PORT="${BASE_PORT:-8080}"
SOURCE_PORT="${SOURCE_PORT:-8086}"
LOG_DIR="${LOG_DIR:-$ROOT/logs}"
RUN_DIR="${RUN_DIR:-$ROOT/run}"
DATA_DIR="${DATA_DIR:-$ROOT/data}"
CONFIGURATION="${CONFIGURATION:-Release}"
WAIT_SECONDS="${WAIT_SECONDS:-60}"
DOTNET="${DOTNET:-dotnet}"
CACHE_DLL="$ROOT/src/CacheApp/bin/$CONFIGURATION/net10.0/CacheApp.dll"
SOURCE_DLL="$ROOT/src/SourceApp/bin/$CONFIGURATION/net10.0/SourceApp.dll"
AOT=0
AOT_OUT="${AOT_OUT:-$ROOT/publish/aot}"

die() { echo "start-services: $*" >&2; exit 1; }

# Decimal, without a leading 0: bash reads 08 as octal and stops on it in arithmetic.
is_number() { [[ "$1" =~ ^(0|[1-9][0-9]{0,8})$ ]]; }

# The cache node's detection rules: up, non-loopback interfaces; no wireless or virtual ones; the
# first IPv4 address in 10/8, 172.16/12 or 192.168/16; otherwise localhost.
detect_internal_ip() {
  local line name addr a b
  if command -v ip >/dev/null 2>&1; then
    while read -r line; do
      name="$(awk '{print $2}' <<<"$line")"
      name="${name%%@*}"
      addr="$(awk '{print $4}' <<<"$line")"
      addr="${addr%%/*}"
      case "$name" in
        lo|lo:*|wl*|ww*|docker*|veth*|br-*|virbr*|vmnet*|vboxnet*|tun*|tap*|utun*|lxc*|lxd*|cni*|flannel*|cali*|kube*|podman*|vxlan*|wg*|zt*|tailscale*|dummy*|ham*|ppp*) continue ;;
      esac
      IFS=. read -r a b _ _ <<<"$addr"
      if [[ "$a" == 10 ]] || [[ "$a" == 172 && "$b" -ge 16 && "$b" -le 31 ]] || [[ "$a" == 192 && "$b" == 168 ]]; then
        echo "$addr"
        return
      fi
    done < <(ip -4 -o addr show up 2>/dev/null)
  fi
  echo localhost
}

# 64 hex digits from the kernel's random source (or openssl's).
random_secret() {
  if [[ -r /dev/urandom ]] && command -v od >/dev/null 2>&1; then
    head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n'
  elif command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    die "cannot generate a secret (no /dev/urandom with od, no openssl); set CLUSTER_SECRET and SOURCEAPP_TOKEN"
  fi
}

# Sets SECRET (empty: none) and SECRET_READ (a shell expression that yields it, for the summary).
# Redis' protected mode is the model: a cluster started here is closed to outsiders unless told otherwise.
choose_cluster_secret() {
  local file="$RUN_DIR/cluster-secret"
  if [[ -n "${CLUSTER_SECRET_FILE:-}" ]]; then
    [[ -z "${CLUSTER_SECRET:-}" ]] || die "CLUSTER_SECRET and CLUSTER_SECRET_FILE are both set; set only one"
    [[ -r "$CLUSTER_SECRET_FILE" ]] || die "CLUSTER_SECRET_FILE '$CLUSTER_SECRET_FILE' cannot be read"
    SECRET="$(<"$CLUSTER_SECRET_FILE")"
    SECRET="$(trim "$SECRET")"
    [[ -n "$SECRET" ]] || die "CLUSTER_SECRET_FILE '$CLUSTER_SECRET_FILE' is empty"
    SECRET_READ="\$(cat $(printf %q "$CLUSTER_SECRET_FILE"))"
  elif [[ -n "${CLUSTER_SECRET+x}" ]]; then
    SECRET="$(trim "$CLUSTER_SECRET")"
    SECRET_READ="\$CLUSTER_SECRET"
  else
    SECRET="$(generated_secret "$file")"
    SECRET_READ="\$(cat $(printf %q "$file"))"
  fi
}

# Sets TOKEN (empty: none) and TOKEN_READ: the source's write token, which its PUT and DELETE (and a
# node's write-through PUT, which passes the client's Authorization on) then need. Without one, anyone
# who reaches the source could change its data.
choose_source_token() {
  local file="$RUN_DIR/source-token"
  if [[ -n "${SOURCEAPP_TOKEN+x}" ]]; then
    TOKEN="$(trim "$SOURCEAPP_TOKEN")"
    TOKEN_READ="\$SOURCEAPP_TOKEN"
  else
    TOKEN="$(generated_secret "$file")"
    TOKEN_READ="\$(cat $(printf %q "$file"))"
  fi
}

# The secret in FILE, generated first when the file is missing or empty; readable by its owner only.
generated_secret() {
  local file="$1"
  if [[ ! -s "$file" ]]; then
    (umask 077 && random_secret >"$file.tmp") && mv -f "$file.tmp" "$file" || die "cannot write $file"
  fi
  chmod 600 "$file" || die "cannot make $file readable by its owner only"
  [[ -r "$file" ]] || die "$file cannot be read"
  local secret
  secret="$(trim "$(<"$file")")"
  [[ -n "$secret" ]] || die "$file is empty; delete it to generate a new secret"
  echo -n "$secret"
}

# Leading and trailing whitespace off, as the node does with CLUSTER_SECRET.
trim() {
  local s="$1"
  s="${s#"${s%%[![:space:]]*}"}"
  echo -n "${s%"${s##*[![:space:]]}"}"
}

is_ipv4() {
  local IFS=. part
  [[ "$1" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || return 1
  for part in $1; do ((10#$part <= 255)) || return 1; done
}

# An IPv6 literal, unbracketed, loosely (hex digits, colons, a dotted tail; no zone): the services
# parse it strictly and, if they refuse it, exit at once, which the start reports with their log.
is_ipv6() { [[ "$1" == *:*:* && "$1" =~ ^[0-9A-Fa-f:.]+$ ]]; }

# Sets, from a listen host as the nodes take it (docs/CACHEAPP.md: an IP, localhost, or * for every
# interface, as 0.0.0.0, :: and [::] are too): NODE_BIND, the nodes' BIND_HOST; SOURCE_BIND, the host
# part of the source's -http (empty for every interface, an IPv6 address in brackets, as its parser
# wants); LOCAL, where this script itself talks to the services (loopback when bound to all, a
# bracketed IPv6 address, as URLs want). Anything else is refused here, before anything starts: the
# source used to get it as "-http HOST:PORT", which it refuses ("*:8086", "::1:8086").
resolve_bind() {
  local host="$1"
  case "$host" in
    "" | "*" | 0.0.0.0 | :: | "[::]") NODE_BIND="*" SOURCE_BIND="" LOCAL=127.0.0.1 ;;
    localhost) NODE_BIND=localhost SOURCE_BIND=localhost LOCAL=localhost ;;
    *)
      [[ "$host" == \[*\] ]] && host="${host:1:${#host}-2}"
      if is_ipv4 "$host"; then
        NODE_BIND="$host" SOURCE_BIND="$host" LOCAL="$host"
      elif is_ipv6 "$host"; then
        NODE_BIND="$host" SOURCE_BIND="[$host]" LOCAL="[$host]"
      else
        die "BIND_HOST must be an IP address, localhost or * (got '$1'): the address to listen on, without a port"
      fi
      ;;
  esac
}

port_busy() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# True when the PID file's process is alive and is the service it names (not a reused PID).
pid_alive() {
  local pidfile="$1" pid app
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  is_number "$pid" || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  case "$(basename "$pidfile" .pid)" in
    source) app="SourceApp" ;;
    *) app="CacheApp" ;;
  esac
  # "dotnet .../CacheApp.dll ..." or, built with --aot, ".../CacheApp ...".
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq -- "(^|/)$app(\.dll)? "
}

stop_one() {
  local pidfile="$1" name pid i
  name="$(basename "$pidfile" .pid)"
  if ! pid_alive "$pidfile"; then
    echo "  $name: not running"
    rm -f "$pidfile" "${pidfile%.pid}.url"
    return
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  $name (pid $pid) did not stop on SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "${pidfile%.pid}.url"
  echo "  $name (pid $pid) stopped"
}

cmd_stop() {
  shopt -s nullglob
  local files=("$RUN_DIR"/node*.pid)
  if [[ ${#files[@]} -eq 0 && ! -f "$RUN_DIR/source.pid" ]]; then
    echo "Nothing to stop (no PID files in $RUN_DIR)."
    return 0
  fi
  echo "Stopping..."
  # Nodes first, so that each tells the others it leaves; the source last.
  for f in "${files[@]}"; do stop_one "$f"; done
  [[ -f "$RUN_DIR/source.pid" ]] && stop_one "$RUN_DIR/source.pid"
  return 0
}

cmd_status() {
  shopt -s nullglob
  local any=0 f name pid
  for f in "$RUN_DIR"/source.pid "$RUN_DIR"/node*.pid; do
    [[ -f "$f" ]] || continue
    any=1
    name="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if pid_alive "$f"; then
      local url="" health=""
      [[ -f "$RUN_DIR/$name.url" ]] && url="$(cat "$RUN_DIR/$name.url")"
      if [[ -n "$url" ]]; then
        if healthy "$url"; then health=", healthy at $url"; else health=", not answering at $url"; fi
      fi
      echo "  $name: running (pid $pid$health)"
    else
      echo "  $name: not running (stale PID file)"
    fi
  done
  [[ $any -eq 1 ]] || echo "Nothing started by this script is running."
}

# True while the process runs; one that exited but is not yet reaped (a zombie) does not.
running() {
  local pid="$1" state
  is_number "$pid" && kill -0 "$pid" 2>/dev/null || return 1
  state="$(sed -E 's/.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 0
  [[ "$state" != Z ]]
}

log_of() {
  if [[ "$1" == source ]]; then echo "$LOG_DIR/sourceapp.log"; else echo "$LOG_DIR/$1.log"; fi
}

# wait_for WHAT "NAMES" CMD...: runs CMD until it succeeds, WAIT_SECONDS at most, while the services
# NAMES (source, node1, ...) started here run. One that exits fails the start at once, with its last
# log lines (a bad flag, a busy port or an unusable database used to cost the whole wait); and since
# they are checked after CMD succeeded too, an answer that came while ours was gone (from whatever
# else holds the port) does not count.
wait_for() {
  local what="$1" names="$2" deadline=$((SECONDS + WAIT_SECONDS)) name ok
  shift 2
  while :; do
    ok=0
    "$@" && ok=1
    for name in $names; do
      running "$(cat "$RUN_DIR/$name.pid" 2>/dev/null)" \
        || fail_start "$name (pid $(cat "$RUN_DIR/$name.pid" 2>/dev/null)) exited while waiting for $what" "$(log_of "$name")"
    done
    ((ok == 0)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

healthy() { curl -fsS -m 2 "$1/health" >/dev/null 2>&1; }

# Every node lists NODES alive members on its ring.
converged() {
  local url body
  for url in "${NODE_URLS[@]}"; do
    body="$(curl -fsS -m 2 "$url/api/admin/peers" 2>/dev/null)" || return 1
    [[ "$(grep -o '"state":"alive"' <<<"$body" | wc -l)" -eq "$NODES" ]] || return 1
    [[ "$(grep -o '"inRing":true' <<<"$body" | wc -l)" -eq "$NODES" ]] || return 1
  done
}

fail_start() {
  echo "start-services: $1" >&2
  [[ -n "${2:-}" && -f "$2" ]] && { echo "--- last lines of $2:" >&2; tail -n 20 "$2" >&2; }
  cmd_stop >&2
  exit 1
}

cmd_start() {
  is_number "$NODES" && ((NODES >= 1 && NODES <= 50)) || die "NODES must be a number from 1 to 50 (got '$NODES')"
  is_number "$BASE_PORT" && is_number "$SOURCE_PORT" || die "BASE_PORT and SOURCE_PORT must be numbers, without a leading 0 (got '$BASE_PORT' and '$SOURCE_PORT')"
  # Checked before anything starts: bash's arithmetic stops the script on "90s" (or on "08", octal)
  # after the source was started, where fail_start no longer runs.
  [[ "$WAIT_SECONDS" =~ ^[1-9][0-9]{0,5}$ ]] || die "WAIT_SECONDS must be a whole number of seconds from 1 to 999999, without a unit (got '$WAIT_SECONDS')"
  command -v "$DOTNET" >/dev/null 2>&1 || die "'$DOTNET' not found: install the .NET 10 SDK"
  command -v curl >/dev/null 2>&1 || die "curl not found"

  SELF_HOST="${SELF_HOST:-$(detect_internal_ip)}"
  # [::1] as well as ::1: the brackets belong in URLs, which are made below.
  [[ "$SELF_HOST" == \[*\] ]] && SELF_HOST="${SELF_HOST:1:${#SELF_HOST}-2}"
  if [[ -n "${BIND_HOST+x}" ]]; then
    resolve_bind "$BIND_HOST"
  else
    # On loopback the services listen on the address they announce: SELF_HOST=::1 is reached on ::1
    # (binding 127.0.0.1 left every [::1] URL unanswered), 127.0.0.2 on 127.0.0.2.
    case "$SELF_HOST" in
      ::1) resolve_bind ::1 ;;
      127.*) if is_ipv4 "$SELF_HOST"; then resolve_bind "$SELF_HOST"; else resolve_bind 127.0.0.1; fi ;;
      localhost) resolve_bind 127.0.0.1 ;;
      *) resolve_bind "" ;;
    esac
  fi

  shopt -s nullglob
  for f in "$RUN_DIR"/source.pid "$RUN_DIR"/node*.pid; do
    if pid_alive "$f"; then
      die "already running ($(basename "$f" .pid), pid $(cat "$f")); run '$0 stop' first"
    fi
    rm -f "$f"
  done

  # Every port, checked before anything starts.
  local ports=("$SOURCE_PORT") i seen=" " p
  for ((i = 0; i < NODES; i++)); do
    ports+=($((BASE_PORT + 2 * i)) $((BASE_PORT + 2 * i + 1)))
  done
  for p in "${ports[@]}"; do
    ((p >= 1 && p <= 65535)) || die "port $p is out of range; change BASE_PORT or SOURCE_PORT"
    [[ "$seen" != *" $p "* ]] || die "port $p would be used twice; change BASE_PORT or SOURCE_PORT"
    seen+="$p "
    if port_busy "$p"; then
      die "port $p is already in use; stop what uses it or choose other ports (BASE_PORT, SOURCE_PORT)"
    fi
  done

  mkdir -p "$LOG_DIR" "$RUN_DIR" "$DATA_DIR"
  choose_cluster_secret
  choose_source_token

  local source_cmd cache_cmd
  if [[ "$AOT" == 1 ]]; then
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
      echo "Publishing Native AOT executables (when the sources changed; a few minutes)..."
      AOT_OUT="$AOT_OUT" "$ROOT/publish-aot.sh" SourceApp CacheApp >"$LOG_DIR/build.log" 2>&1 \
        || { tail -n 30 "$LOG_DIR/build.log" >&2; die "the Native AOT publish failed (see $LOG_DIR/build.log)"; }
    fi
    source_cmd=("$AOT_OUT/SourceApp/SourceApp")
    cache_cmd=("$AOT_OUT/CacheApp/CacheApp")
    [[ -x "${cache_cmd[0]}" && -x "${source_cmd[0]}" ]] || die "Native AOT executables not found under $AOT_OUT (run ./publish-aot.sh)"
  elif [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "Building ($CONFIGURATION)..."
    "$DOTNET" build "$ROOT/src/SourceApp/SourceApp.csproj" -c "$CONFIGURATION" -nologo -v quiet >"$LOG_DIR/build.log" 2>&1 \
      && "$DOTNET" build "$ROOT/src/CacheApp/CacheApp.csproj" -c "$CONFIGURATION" -nologo -v quiet >>"$LOG_DIR/build.log" 2>&1 \
      || { tail -n 30 "$LOG_DIR/build.log" >&2; die "build failed (see $LOG_DIR/build.log)"; }
  fi
  if [[ "$AOT" != 1 ]]; then
    [[ -f "$CACHE_DLL" && -f "$SOURCE_DLL" ]] || die "built services not found under src/*/bin/$CONFIGURATION"
    source_cmd=("$DOTNET" "$SOURCE_DLL")
    cache_cmd=("$DOTNET" "$CACHE_DLL")
  fi

  local url_host="$SELF_HOST"
  [[ "$url_host" == *:* ]] && url_host="[$url_host]"
  local source_url="http://$url_host:$SOURCE_PORT"
  local api_addrs=() node_api
  NODE_URLS=()
  for ((i = 0; i < NODES; i++)); do
    api_addrs+=("http://$url_host:$((BASE_PORT + 2 * i))")
    NODE_URLS+=("http://$LOCAL:$((BASE_PORT + 2 * i))")
  done
  local notify
  notify="$(IFS=,; echo "${api_addrs[*]}")"

  echo "Starting the source service on port $SOURCE_PORT..."
  # The secret goes by environment, never on a command line that every user's ps shows.
  SOURCEAPP_NOTIFY_SECRET="$SECRET" SOURCEAPP_TOKEN="$TOKEN" nohup "${source_cmd[@]}" -db "$DATA_DIR/sqlite.db" -http "$SOURCE_BIND:$SOURCE_PORT" -name sourceapp -notify "$notify" \
    </dev/null >"$LOG_DIR/sourceapp.log" 2>&1 &
  echo $! >"$RUN_DIR/source.pid"
  echo "http://$LOCAL:$SOURCE_PORT" >"$RUN_DIR/source.url"
  wait_for "its health" "source" healthy "http://$LOCAL:$SOURCE_PORT" || fail_start "the source did not become healthy" "$LOG_DIR/sourceapp.log"

  # As in the seed's cluster example: each node lists the ones started before it.
  local peers=""
  for ((i = 0; i < NODES; i++)); do
    node_api="${api_addrs[$i]}"
    echo "Starting node$((i + 1)): API $node_api, groupcache http://$url_host:$((BASE_PORT + 2 * i + 1))..."
    env -u CLUSTER_SECRET_FILE CLUSTER_SECRET="$SECRET" API_PORT=$((BASE_PORT + 2 * i)) GROUPCACHE_PORT=$((BASE_PORT + 2 * i + 1)) SELF_HOST="$SELF_HOST" \
      BIND_HOST="$NODE_BIND" SOURCEAPP_SERVICE_URL="$source_url" INITIAL_PEERS="$peers" NODE_NAME="node$((i + 1))" \
      CACHE_BYTES="${CACHE_BYTES:-64MB}" DOTNET_GCgen0size="${DOTNET_GCgen0size-4000000}" \
      nohup "${cache_cmd[@]}" </dev/null >"$LOG_DIR/node$((i + 1)).log" 2>&1 &
    echo $! >"$RUN_DIR/node$((i + 1)).pid"
    echo "${NODE_URLS[$i]}" >"$RUN_DIR/node$((i + 1)).url"
    peers="${peers:+$peers,}$node_api"
  done

  local all="source"
  for ((i = 0; i < NODES; i++)); do all+=" node$((i + 1))"; done
  for ((i = 0; i < NODES; i++)); do
    wait_for "node$((i + 1))'s health" "$all" healthy "${NODE_URLS[$i]}" || fail_start "node$((i + 1)) did not become healthy" "$LOG_DIR/node$((i + 1)).log"
  done
  wait_for "convergence" "$all" converged || fail_start "the nodes did not agree on $NODES members within ${WAIT_SECONDS}s" "$LOG_DIR/node1.log"

  echo
  echo "GroupCache.NET is running ($NODES node(s), ring converged$([[ "$AOT" == 1 ]] && echo ", Native AOT"))."
  echo "  source:   $source_url    (log $LOG_DIR/sourceapp.log)"
  for ((i = 0; i < NODES; i++)); do
    echo "  node$((i + 1)):    API ${api_addrs[$i]}, groupcache http://$url_host:$((BASE_PORT + 2 * i + 1))    (log $LOG_DIR/node$((i + 1)).log)"
  done
  echo "  dashboard: ${api_addrs[0]}/dashboard    (the whole cluster, live; any node serves it)"
  if [[ -n "$SECRET" ]]; then
    echo "  cluster secret: on; a node you start by hand joins with CLUSTER_SECRET=\"$SECRET_READ\""
  else
    echo "  cluster secret: NONE (CLUSTER_SECRET is empty): anyone who can reach the nodes can join their ring and have them serve forged values"
  fi
  if [[ -n "$TOKEN" ]]; then
    echo "  source write token: on; PUT and DELETE on the source, and PUT through a node, need -H \"Authorization: Bearer $TOKEN_READ\""
  else
    echo "  source write token: NONE (SOURCEAPP_TOKEN is empty): anyone who can reach the source can change its data"
  fi
  echo
  echo "Try:"
  echo "  curl ${api_addrs[0]}/api/data/apple"
  echo "  curl ${api_addrs[$((NODES - 1))]}/api/data/apple"
  echo "  curl $source_url/api/data/apple"
  if [[ -n "$TOKEN" ]]; then
    echo "  curl -X PUT -H \"Authorization: Bearer $TOKEN_READ\" -d '{\"value\":\"something new\"}' $source_url/api/data/newkey"
  else
    echo "  curl -X PUT -d '{\"value\":\"something new\"}' $source_url/api/data/newkey"
  fi
  echo "  curl ${api_addrs[0]}/api/data/newkey"
  echo "  curl ${api_addrs[0]}/api/admin/status"
  if [[ -n "$SECRET" ]]; then
    echo "  curl -X DELETE -H \"X-GroupCache-Secret: $SECRET_READ\" ${api_addrs[0]}/api/data/apple"
  else
    echo "  curl -X DELETE ${api_addrs[0]}/api/data/apple"
  fi
  echo "  curl ${api_addrs[0]}/api/admin/peers"
  echo
  echo "Stop with: $0 stop"
}

# The command and the one flag, in any order.
command=""
for arg in "$@"; do
  case "$arg" in
    --aot) AOT=1 ;;
    *) [[ -z "$command" ]] || die "one command at a time (got '$command' and '$arg')"; command="$arg" ;;
  esac
done

case "${command:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  detect-ip) detect_internal_ip ;;
  -h|--help|help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) die "unknown command '$command' (use start, stop, status or detect-ip, and --aot with start)" ;;
esac
