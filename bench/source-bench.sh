#!/usr/bin/env bash
# GET and PUT throughput of the source service alone (SourceApp, Release), with wrk on 127.0.0.1.
#   bench/source-bench.sh [SECONDS]     (default 10 s per measurement; needs wrk)
# Starts SourceApp on a free port over a fresh SQLite file, measures GET of a seeded key and PUT of
# new keys (100-byte values, each acknowledged after its commit), prints wrk's figures, then stops
# exactly the process it started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "source-bench.sh: wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

dotnet build "$root/src/SourceApp" -c Release -nologo -v q >/dev/null
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)
dotnet "$root/src/SourceApp/bin/Release/net10.0/SourceApp.dll" -db "$dir/source.db" -http "127.0.0.1:$port" -name bench >"$dir/source.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port/api/data"
echo "== warm-up"
wrk -t2 -c64 -d3s "$url/apple" >/dev/null
wrk -t2 -c64 -d3s -s "$root/bench/wrk/source-put.lua" "$url/" >/dev/null
echo "== GET $url/apple (${seconds}s, -t2 -c64)"
wrk -t2 -c64 -d"${seconds}s" --latency "$url/apple"
echo "== PUT $url/put-* (${seconds}s, -t2 -c64, new key each request)"
wrk -t2 -c64 -d"${seconds}s" --latency -s "$root/bench/wrk/source-put.lua" "$url/"
