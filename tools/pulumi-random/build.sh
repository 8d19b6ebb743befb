# pulumi-resource-random: the random provider that @pulumi/random's RandomPassword needs, a bridged Terraform provider.
# Built from the pinned provider/ folder (source.sh), with its dependencies from the Go proxy, as its Makefile does:
# the schema it embeds is generated with the version stamped, then the binary is built.
source ../lib.sh "$@"
src=$(bash ./source.sh)
# The commit's release: v4.21.1 and 9 commits (its bridge upgrade to v3.137.0), stamped as such.
version=4.21.1-9-gf64d8726
tree="$OUT/../src"
rm -rf "$tree" && mkdir -p "$tree"
cp -R "$src/provider" "$tree/"
chmod -R u+w "$tree"
cmd="$tree/provider/cmd/pulumi-resource-random"
(cd "$cmd" && VERSION=$version GOFLAGS=-mod=mod go run generate.go)
(cd "$tree/provider" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$version" \
    -o "$OUT/pulumi-resource-random" ./cmd/pulumi-resource-random)
echo "$version" >"$OUT/pulumi-resource-random.version"
rm -rf "$tree"
