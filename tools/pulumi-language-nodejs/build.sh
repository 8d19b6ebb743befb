# pulumi-language-nodejs: the Node.js language host, which `pulumi preview`, `pulumi up` and policy packs need. The
# Go module proxy refuses its module, so it builds from a Pulumi source tree that a contributor puts once per machine
# at $DSM_PULUMI_SOURCE (tools/README.md says where and how). Only sdk/, pkg/ and proto/ are needed.
source ../lib.sh "$@"
src=$(bash ./source.sh)
version=v$(cat "$src/sdk/.version")
# Copy what the build needs into the cache, so that the build never writes into the contributor's tree.
tree="$OUT/../src"
rm -rf "$tree" && mkdir -p "$tree"
cp -R "$src/sdk" "$src/pkg" "$src/proto" "$tree/"
chmod -R u+w "$tree"
# The tree's go.sum lists what its own CI resolved; -mod=mod lets Go add what a trimmed tree needs, from the proxy.
(cd "$tree/sdk/nodejs/cmd/pulumi-language-nodejs" &&
    GOFLAGS=-mod=mod go build -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
        -o "$OUT/pulumi-language-nodejs" .)
# The bundled dynamic-provider plugin of the same tree: the engine looks for it beside the CLI or on PATH.
install -m 0755 "$src/sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" "$OUT/"
echo "$version $(cat "$src/.commit" 2>/dev/null || echo unknown)" >"$OUT/pulumi-language-nodejs.version"
rm -rf "$tree"
