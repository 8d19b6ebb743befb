# pulumi-language-yaml: the language host of Pulumi YAML programs, for examples/yaml (a program that uses the bus as
# a multi-language component). Its module has no replace directives, so it builds from the Go proxy as pinned here.
source ../lib.sh "$@"
version=$(required_version github.com/pulumi/pulumi-yaml)
go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$version" \
    -o "$OUT/" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
