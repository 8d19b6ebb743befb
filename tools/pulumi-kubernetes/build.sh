# The Kubernetes resource plugin. The proxy serves its module only as a pseudo-version, whose commit is tagged v4.25.0.
source ../lib.sh "$@"
release=4.25.0
src=$(module_dir github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes
# main.go embeds schema files that upstream generates at build time and does not commit. So build a copy of the main
# package, outside the repository, inside a copy of this module (whose go.sum covers its imports), after generating.
work="$OUT/../src"
rm -rf "$work" && mkdir -p "$work"
cp go.mod go.sum "$src"/*.go "$src"/*.json "$work/" && chmod -R u+w "$work"
cd "$work"
VERSION=$release go run generate.go
go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$release" \
    -o "$OUT/pulumi-resource-kubernetes" .
echo "$release" > "$OUT/pulumi-resource-kubernetes.version"
