#!/usr/bin/env bash
# Builds the test tiers' tools from the Go modules pinned under tools/, into a cache folder outside the repository:
#   $DSM_TOOLS_CACHE (default ~/.cache/dsm-redis/tools)/<module>-<key>/bin
# The key hashes the module's go.mod, go.sum (or, for a source tree, its source.sh with the pinned commit) and
# build.sh, tools/lib.sh and the Go version, so a warm machine skips the build and a version bump builds anew.
# Prints the bin folder of each module, one per line.
# Usage: tools/build.sh [--check] MODULE...   (a folder of tools/: kubernetes, kwok, pulumi, pulumi-language-nodejs, ...)
#   A MODULE may be a group the tiers name, expanded here so that each list is written once:
#   cluster (the control plane), engine (the Pulumi CLI, language hosts and plugins), metrics, all.
#   --check: build nothing; print the folders, or fail (exit 4) naming the modules not built, and the command to build
#   them. The test tiers' hooks use it, so that a build never runs inside a test's timeout.
set -euo pipefail
tools_dir=$(cd "$(dirname "$0")" && pwd)
cache_root=${DSM_TOOLS_CACHE:-$HOME/.cache/dsm-redis/tools}
export GOFLAGS=-mod=readonly GOTOOLCHAIN=${GOTOOLCHAIN:-local}

check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
[ $# -gt 0 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
expand() {
    case $1 in
        cluster) echo kubernetes kwok ;;
        engine) echo pulumi pulumi-language-nodejs pulumi-yaml pulumi-kubernetes pulumi-random ;;
        metrics) echo promtool redis-exporter ;;
        all) echo "$(expand cluster) $(expand engine) $(expand metrics)" ;;
        *) echo "$1" ;;
    esac
}
modules=()
for arg in "$@"; do read -r -a more <<<"$(expand "$arg")" && modules+=("${more[@]}"); done
missing=()
for name in "${modules[@]}"; do
    dir="$tools_dir/$name"
    # A folder builds either a Go module pinned by its go.mod, or a source tree that its source.sh pins and finds.
    if [ -f "$dir/go.mod" ] && [ -f "$dir/build.sh" ]; then
        pins=("$dir/go.mod" "$dir/go.sum")
    elif [ -f "$dir/source.sh" ] && [ -f "$dir/build.sh" ]; then
        pins=("$dir/source.sh")
        bash "$dir/source.sh" >/dev/null || exit 3
    else
        echo "tools/build.sh: no module tools/$name" >&2
        exit 2
    fi
    key=$(cat "${pins[@]}" "$dir/build.sh" "$tools_dir/lib.sh" <(go version) | sha256sum | cut -c1-16)
    bin="$cache_root/$name-$key/bin"
    if [ ! -f "$bin/.complete" ] && $check; then
        missing+=("$name")
        continue
    fi
    if [ ! -f "$bin/.complete" ]; then
        echo "tools/build.sh: building $name into $bin (cold: minutes; later runs reuse it)" >&2
        started=$SECONDS
        rm -rf "$bin" && mkdir -p "$bin"
        (cd "$dir" && bash ./build.sh "$bin") >&2
        touch "$bin/.complete"
        echo "tools/build.sh: built $name in $((SECONDS - started)) s" >&2
    fi
    echo "$bin"
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "tools/build.sh: not built in $cache_root: ${missing[*]}; build them first, outside any test timeout: bash tools/build.sh ${missing[*]} (the test:* scripts and .ci/run do)" >&2
    exit 4
fi
