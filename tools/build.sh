#!/usr/bin/env bash
# Builds the test tiers' tools from the Go modules pinned under tools/, into a cache folder outside the repository:
#   $DSM_TOOLS_CACHE (default ~/.cache/dsm-redis/tools)/<module>-<key>/bin
# The key hashes the module's go.mod, go.sum (or, for a source tree, its source.sh with the pinned commit) and
# build.sh, tools/lib.sh and the Go version, so a warm machine skips the build and a version bump builds anew.
# Prints the bin folder of each module, one per line.
# Usage: tools/build.sh MODULE...   (a folder of tools/: kubernetes, kwok, pulumi, pulumi-language-nodejs, ...)
set -euo pipefail
tools_dir=$(cd "$(dirname "$0")" && pwd)
cache_root=${DSM_TOOLS_CACHE:-$HOME/.cache/dsm-redis/tools}
export GOFLAGS=-mod=readonly GOTOOLCHAIN=${GOTOOLCHAIN:-local}

[ $# -gt 0 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
for name in "$@"; do
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
