#!/usr/bin/env bash
# Publishes the services as Native AOT executables (linux-x64), failing on any trim or AOT warning.
#
#   ./publish-aot.sh                     both services into ./publish/aot/{CacheApp,SourceApp}/
#   ./publish-aot.sh CacheApp            one of them
#   AOT_OUT=DIR ./publish-aot.sh ...     somewhere else
#
# Prints the path of each executable, one a line. A service whose executable is newer than every
# source file it is built from is not published again (FORCE=1 publishes anyway).
#
# Needs, besides the .NET 10 SDK: clang and zlib1g-dev (Debian), which Native AOT links with.
# It publishes from a copy of the sources (OUT/.src), so the RID-specific restore and build never
# touch src/*/obj, which a normal build, the tests or an IDE may be using at the same time.
# Each publish takes a few minutes of CPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${AOT_OUT:-$root/publish/aot}"
rid="${AOT_RID:-linux-x64}"

die() { echo "publish-aot: $*" >&2; exit 1; }

apps=("$@")
[ "${#apps[@]}" -gt 0 ] || apps=(CacheApp SourceApp)
for app in "${apps[@]}"; do
  case "$app" in
    CacheApp|SourceApp) ;;
    *) die "unknown service '$app' (CacheApp or SourceApp)" ;;
  esac
done

command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK"
command -v clang >/dev/null 2>&1 || die "clang not found: Native AOT links with it (apt-get install clang zlib1g-dev)"
[ -f /usr/include/zlib.h ] || die "zlib.h not found: Native AOT links with zlib (apt-get install zlib1g-dev)"

# Everything a service is built from: all of src/ (its project references are there) and the
# shared build files at the root.
inputs=(src Directory.Build.props Directory.Packages.props .editorconfig global.json NuGet.config nuget.config)

# True when some input is newer than $1 (or $1 is missing).
stale() {
  local target="$1" existing=() f
  [ -f "$target" ] || return 0
  for f in "${inputs[@]}"; do [ -e "$root/$f" ] && existing+=("$root/$f"); done
  [ -n "$(find "${existing[@]}" \( -name bin -o -name obj \) -prune -o -type f -newer "$target" -print -quit)" ]
}

# A fresh copy of the sources, without any build output.
copy_sources() {
  local staging="$out/.src" f
  rm -rf "$staging"
  mkdir -p "$staging"
  for f in "${inputs[@]}"; do
    [ -e "$root/$f" ] || continue
    if [ -d "$root/$f" ]; then
      (cd "$root" && tar cf - --exclude=bin --exclude=obj "$f") | (cd "$staging" && tar xf -)
    else
      cp "$root/$f" "$staging/"
    fi
  done
}

copied=0
for app in "${apps[@]}"; do
  exe="$out/$app/$app"
  if [ "${FORCE:-0}" != 1 ] && ! stale "$exe"; then
    echo "$exe"
    continue
  fi
  if [ "$copied" = 0 ]; then copy_sources; copied=1; fi
  log="$out/$app.publish.log"
  echo "publish-aot: publishing $app with Native AOT ($rid; a few minutes)..." >&2
  rm -rf "$out/$app"
  # TreatWarningsAsErrors (Directory.Build.props) makes the analyzers' warnings errors; the check
  # below also catches any the compiler's own steps report only as warnings.
  if ! dotnet publish "$out/.src/src/$app/$app.csproj" -c Release -r "$rid" -p:PublishAot=true \
      -o "$out/$app" -nologo >"$log" 2>&1; then
    grep -E ": (error|warning) " "$log" | sort -u >&2 || tail -n 30 "$log" >&2
    die "publishing $app failed (log: $log)"
  fi
  if grep -qE "warning (IL|AOT|CS)[0-9]+" "$log"; then
    grep -E "warning (IL|AOT|CS)[0-9]+" "$log" | sort -u >&2
    rm -rf "$out/$app"
    die "publishing $app gave trim/AOT warnings (log: $log)"
  fi
  [ -x "$exe" ] || die "publishing $app made no executable $exe (log: $log)"
  touch "$exe"
  echo "$exe"
done
