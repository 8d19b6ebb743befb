# Prints the Pulumi source tree that build.sh builds from, after checking it is the pinned commit; otherwise fails
# with one sentence that says what to provide. The pin is here so that the cache key (this file) changes with it.
set -euo pipefail
pinned=1b5949891b3cefcb9974752b24a5ecef0acc86c8
src=${DSM_PULUMI_SOURCE:-${DSM_TOOLS_CACHE:-$HOME/.cache/dsm-redis/tools}/../src/pulumi}
fail() {
    echo "tools/pulumi-language-nodejs: $1; put sdk/, pkg/ and proto/ of github.com/pulumi/pulumi at commit $pinned there, with the commit in .commit (tools/README.md, \"Source trees\"), or set DSM_PULUMI_SOURCE" >&2
    exit 3
}
[ -f "$src/sdk/nodejs/cmd/pulumi-language-nodejs/go.mod" ] || fail "no Pulumi source tree at $src"
[ "$(cat "$src/.commit" 2>/dev/null)" = "$pinned" ] || fail "the tree at $src is not commit $pinned"
cd "$src" && pwd
