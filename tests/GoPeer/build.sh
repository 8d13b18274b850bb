#!/usr/bin/env bash
# Builds gopeer offline against the Debian-packaged golang/groupcache (GOPATH mode, no go.mod).
# Needs: apt-get install -y golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${GOCACHE:-}" ]; then
  # go refuses to build without a writable cache; HOME may be read-only in CI sandboxes.
  if [ -z "${HOME:-}" ] || ! [ -w "${HOME}" ]; then
    GOCACHE="$(mktemp -d "${TMPDIR:-/tmp}/gopeer-gocache.XXXXXX")"
    export GOCACHE
  fi
fi

GO111MODULE=off GOPATH=/usr/share/gocode go build -o gopeer .
echo "$(pwd)/gopeer"
