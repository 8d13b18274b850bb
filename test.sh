#!/usr/bin/env bash
# Restores, builds and runs every test project, then prints one line: "N passed, N failed".
# Some suites need tools from Debian (listed below); run as root, this installs the missing ones.
set -euo pipefail
cd "$(dirname "$0")"

# What the tests need from Debian, each with the test suite that needs it. As root this installs the
# missing ones; otherwise it names them and stops (nothing is skipped for a missing tool).
packages=()
# Interop with the real golang/groupcache (tests/GoPeer, tests/GoVectors).
command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/golang/groupcache ] \
  && [ -d /usr/share/gocode/src/github.com/golang/protobuf ] \
  || packages+=(golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev)
# The observability tests scrape a real cluster with Prometheus.
command -v prometheus >/dev/null 2>&1 || packages+=(prometheus)
# The dashboard is checked in a real headless Chromium.
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
# DNS discovery is tested against a real DNS server on loopback; dnsmasq-base is the binary alone,
# without the system service that would listen on port 53.
command -v dnsmasq >/dev/null 2>&1 || packages+=(dnsmasq-base)
# The Native AOT build of CacheApp links with clang against zlib.
{ command -v clang >/dev/null 2>&1 && [ -f /usr/include/zlib.h ]; } || packages+=(clang zlib1g-dev)
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing from Debian: ${packages[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
  else
    echo "test.sh: the tests need: sudo apt-get install ${packages[*]}" >&2
    exit 1
  fi
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build GroupCache.slnx -c Debug -nologo -v q

# The style is part of the build (EnforceCodeStyleInBuild, .editorconfig); this is our gofmt on top:
# formatting the whole tree must change nothing.
dotnet format GroupCache.slnx --verify-no-changes -v q || { echo "test.sh: run 'dotnet format GroupCache.slnx' and commit the result" >&2; exit 1; }

# Native AOT is a supported build: both services publish with no trim or AOT warning (publish-aot.sh
# fails on any), before the tests, so that start-services.sh --aot finds them up to date.
aot_out="$PWD/publish/aot"
AOT_OUT="$aot_out" ./publish-aot.sh CacheApp SourceApp

# Every *.Tests project in the solution (tests/ and bench/) runs, one after another: the integration suites start real processes and ports,
# and on a 2-core machine running them side by side only makes them slower and flakier.
status=0
for project in $(grep -o '[a-z]*/[^"]*\.Tests\.csproj' GroupCache.slnx); do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" --no-build -c Debug -nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal" || status=1
done

# The cluster tests once more, with the cache nodes the Native AOT executable instead of
# dotnet CacheApp.dll (tests/ServiceTesting's ServiceProcess runs CACHEAPP_BINARY when set; it would
# run SOURCEAPP_BINARY for the source likewise).
echo "== CacheApp.Tests, Category=Cluster, against the Native AOT build of CacheApp"
CACHEAPP_BINARY="$aot_out/CacheApp/CacheApp" \
  dotnet test tests/CacheApp.Tests/CacheApp.Tests.csproj --no-build -c Debug -nologo --filter "Category=Cluster" \
  --logger "trx;LogFileName=$results/CacheApp.Tests.aot.trx" --logger "console;verbosity=normal" || status=1

passed=0 failed=0 total=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); total=$((total + ${t:-0}))
done
# CI keeps only the tail of this output, so every test that did not pass is named again here, with
# the first lines of its message (the console logger printed them earlier, far above).
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  awk -v suite="$(basename "$trx" .trx)" '
    /<UnitTestResult / && !/outcome="Passed"/ {
      name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
      outcome = $0; sub(/.*outcome="/, "", outcome); sub(/".*/, "", outcome)
      printf "NOT PASSED (%s, %s): %s\n", suite, outcome, name; inside = !/\/>/; lines = 0
    }
    inside && /<Message>/ { printing = 1 }
    inside && printing && lines < 12 { line = $0; sub(/^ *<Message>/, "", line); sub(/<\/Message>.*/, "", line); print "    " line; lines++ }
    inside && /<\/Message>/ { printing = 0 }
    inside && /<\/UnitTestResult>/ { inside = 0; printing = 0 }
  ' "$trx"
done
# Tests that neither passed nor failed (a crashed host, a skip) count as failures here.
missing=$((total - passed - failed))
if [ "$missing" -gt 0 ]; then failed=$((failed + missing)); fi
if [ "$total" = 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || status=1
exit "$status"
