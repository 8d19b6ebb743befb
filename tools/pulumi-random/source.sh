# Prints the pulumi-random source tree that build.sh builds from, after checking it is the pinned commit; otherwise
# fails with one sentence that says what to provide. The Go proxy serves the provider's module only without the
# nested shim module it replaces (./shim), so the build needs the repository's provider/ folder.
set -euo pipefail
pinned=f64d8726a4f5edf2c675e03a53cdf740fb542f47
src=${DSM_PULUMI_RANDOM_SOURCE:-${DSM_TOOLS_CACHE:-$HOME/.cache/dsm-redis/tools}/../src/pulumi-random}
fail() {
    echo "tools/pulumi-random: $1; put provider/ of github.com/pulumi/pulumi-random at commit $pinned there, with the commit in .commit (tools/README.md, \"Source trees\"), or set DSM_PULUMI_RANDOM_SOURCE" >&2
    exit 3
}
[ -f "$src/provider/go.mod" ] && [ -f "$src/provider/shim/go.mod" ] || fail "no pulumi-random source tree at $src"
[ "$(cat "$src/.commit" 2>/dev/null)" = "$pinned" ] || fail "the tree at $src is not commit $pinned"
cd "$src" && pwd
