#!/usr/bin/env bash
# Restores, builds and runs every test project, then prints one line: "N passed, N failed".
# The interop tests need Go and golang/groupcache, the observability tests Prometheus, all from Debian;
# run as root, this installs them.
set -euo pipefail
cd "$(dirname "$0")"

need_go_packages() {
  command -v go >/dev/null 2>&1 || return 0
  [ -d /usr/share/gocode/src/github.com/golang/groupcache ] || return 0
  [ -d /usr/share/gocode/src/github.com/golang/protobuf ] || return 0
  return 1
}
# The observability tests scrape a real cluster with Debian's Prometheus.
need_prometheus() { ! command -v prometheus >/dev/null 2>&1; }
if need_go_packages || need_prometheus; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing Go and golang/groupcache (interop tests) and Prometheus (observability tests) from Debian"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev prometheus >/dev/null
  else
    echo "test.sh: the tests need: sudo apt-get install golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev prometheus" >&2
    exit 1
  fi
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build GroupCache.slnx -c Debug -nologo -v q

# The style is part of the build (EnforceCodeStyleInBuild, .editorconfig); this is our gofmt on top:
# formatting the whole tree must change nothing.
dotnet format GroupCache.slnx --verify-no-changes -v q || { echo "test.sh: run 'dotnet format GroupCache.slnx' and commit the result" >&2; exit 1; }

# Every *.Tests project in the solution (tests/ and bench/) runs, one after another: the integration suites start real processes and ports,
# and on a 2-core machine running them side by side only makes them slower and flakier.
status=0
for project in $(grep -o '[a-z]*/[^"]*\.Tests\.csproj' GroupCache.slnx); do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" --no-build -c Debug -nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=normal" || status=1
done

passed=0 failed=0 total=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); total=$((total + ${t:-0}))
done
# Tests that neither passed nor failed (a crashed host, a skip) count as failures here.
missing=$((total - passed - failed))
if [ "$missing" -gt 0 ]; then failed=$((failed + missing)); fi
if [ "$total" = 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || status=1
exit "$status"
