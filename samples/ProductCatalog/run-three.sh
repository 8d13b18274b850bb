#!/usr/bin/env bash
# Packs the GroupCache libraries into samples/packages, builds ProductCatalog against those packages
# only, and starts three instances on 127.0.0.1, each with all three as its peers.
#   ./run-three.sh          start (free ports; PORTS="5001 5002 5003" ./run-three.sh to choose them)
#   ./run-three.sh stop     stop the instances this script started (by their PIDs)
# Environment: PORTS; PACKAGES (the package folder samples/nuget.config names, default ../packages);
# RUN_DIR (PIDs, logs, databases, the build and the file "addresses"; default ../run, outside the project);
# REPO (the repository whose src/ is packed, default ../..).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=${REPO:-$(cd "$here/../.." && pwd)}
packages=${PACKAGES:-$here/../packages}
run=${RUN_DIR:-$here/../run}
mkdir -p "$run" "$packages"

stop_instances() {
  for pidfile in "$run"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "${1:-start}" = stop ]; then
  stop_instances
  echo "stopped"
  exit 0
fi
stop_instances # a second start replaces the first

# A port nothing on 127.0.0.1 listens on (a connection to it is refused).
free_port() {
  while true; do
    local port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}
if [ -n "${PORTS:-}" ]; then
  read -r -a ports <<<"$PORTS"
else
  ports=("$(free_port)" "$(free_port)" "$(free_port)")
fi

# A fresh prerelease version each time, so that NuGet's cache never serves an older build of the same number.
# Earlier local builds are dropped from that cache, where each would otherwise stay.
suffix="local.$(date +%Y%m%d%H%M%S)"
nuget_cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$nuget_cache"/groupcache/*-local.* "$nuget_cache"/groupcache.http/*-local.* "$nuget_cache"/groupcache.kubernetes/*-local.* "$nuget_cache"/groupcache.dns/*-local.*
rm -f "$packages"/GroupCache*.nupkg "$packages"/GroupCache*.snupkg
for library in GroupCache GroupCache.Http GroupCache.Kubernetes GroupCache.Dns; do
  dotnet pack "$repo/src/$library/$library.csproj" -c Release -nologo -v q -o "$packages" \
    --version-suffix "$suffix" --artifacts-path "$run/artifacts"
done
nupkg=$(ls "$packages"/GroupCache.Http.*-"$suffix".nupkg)
version=${nupkg##*/GroupCache.Http.}
version=${version%.nupkg}
dotnet build "$here/ProductCatalog.csproj" -c Release -nologo -v q -p:GroupCacheVersion="$version" -o "$run/app"

peers=()
for i in "${!ports[@]}"; do
  peers+=("--GroupCache:Peers:$i=http://127.0.0.1:${ports[$i]}")
done
: >"$run/addresses"
for port in "${ports[@]}"; do
  nohup dotnet "$run/app/ProductCatalog.dll" --urls "http://127.0.0.1:$port" \
    --GroupCache:Self="http://127.0.0.1:$port" "${peers[@]}" --Catalog:Database="$run/products-$port.db" \
    >"$run/instance-$port.log" 2>&1 </dev/null &
  echo $! >"$run/instance-$port.pid"
  echo "http://127.0.0.1:$port" >>"$run/addresses"
done

for port in "${ports[@]}"; do
  deadline=$((SECONDS + 60))
  until curl -sf --noproxy '*' -o /dev/null "http://127.0.0.1:$port/stats"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "instance on $port did not start; see $run/instance-$port.log" >&2
      exit 1
    fi
    sleep 0.5
  done
done
echo "ProductCatalog $version on:"
cat "$run/addresses"
echo "try: curl http://127.0.0.1:${ports[0]}/products/42 ; curl http://127.0.0.1:${ports[0]}/stats ; $0 stop"
