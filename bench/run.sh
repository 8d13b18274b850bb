#!/usr/bin/env bash
# The whole-service benchmark in one command: builds our services (Release), the bare-Kestrel
# ceiling, the Go reference node (tests/GoPeer, real golang/groupcache) and the runner, then runs
# every scenario against both systems alternately. All traffic stays on 127.0.0.1.
#
#   bench/run.sh            full run (~10 min on 2 cores)
#   bench/run.sh --quick    quick run (~3 min)
#   bench/run.sh --aot      also publish CacheApp with Native AOT and run it as a third system
#   bench/run.sh --help     every option
#
# Needs: dotnet 10 SDK, wrk, and for the Go node: golang-go golang-github-golang-groupcache-dev
# golang-goprotobuf-dev (Debian). Results: bench/results/<timestamp>.json (+ .md table, .svg chart);
# the chart is also written to docs/bench/latest.svg.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then
    # The usage text lives in the runner; print it without building anything.
    sed -n '/usage: LoadRunner/,/"""/p' bench/LoadRunner/RunnerOptions.cs | grep -v '"""' | sed 's/^        //'
    exit 0
  fi
done

command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

echo "== building (Release)"
build() {
  # Another build may hold a lock in a shared obj/ folder for a moment; retry a few times.
  for attempt in 1 2 3; do
    if dotnet build -c Release --nologo -v q "$1" >/tmp/loadrunner-build.$$.log 2>&1; then return 0; fi
    if ! grep -q "being used by another process" /tmp/loadrunner-build.$$.log; then break; fi
    sleep 5
  done
  cat /tmp/loadrunner-build.$$.log >&2
  echo "run.sh: building $1 failed" >&2
  exit 1
}
build src/SourceApp/SourceApp.csproj
build src/CacheApp/CacheApp.csproj
build bench/KestrelCeiling/KestrelCeiling.csproj
build bench/LoadRunner/LoadRunner.csproj
rm -f /tmp/loadrunner-build.$$.log
tests/GoPeer/build.sh >/dev/null

runner_args=()
aot=0
for arg in "$@"; do
  if [ "$arg" = "--aot" ]; then aot=1; else runner_args+=("$arg"); fi
done

if [ "$aot" = 1 ]; then
  # publish-aot.sh publishes from a copy of the sources (src/*/obj stays untouched), fails on any
  # trim or AOT warning, and skips the publish when the executable is newer than the sources.
  echo "== publishing CacheApp with Native AOT (a few minutes, unless up to date)"
  aot_exe="$(AOT_OUT="$root/bench/results/aot" ./publish-aot.sh CacheApp | tail -n 1)"
  runner_args+=(--aot-binary "$aot_exe")
fi

echo "== running"
exec dotnet bench/LoadRunner/bin/Release/net10.0/LoadRunner.dll --repo "$root" "${runner_args[@]}"
