#!/usr/bin/env bash
# Regenerates tests/vectors with the real golang/groupcache (Debian's packages, GOPATH mode).
# Needs: apt-get install -y golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev
set -euo pipefail
cd "$(dirname "$0")"
gocache="${GOCACHE:-$(mktemp -d "${TMPDIR:-/tmp}/govectors-gocache.XXXXXX")}"
bin="$(mktemp -d "${TMPDIR:-/tmp}/govectors.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$gocache" go build -o "$bin/govectors" .
"$bin/govectors" -out ../vectors
echo "wrote $(cd ../vectors && pwd)/{consistenthash,go-client-paths,getresponse}.json"
