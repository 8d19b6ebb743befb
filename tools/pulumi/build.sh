# The Pulumi CLI, at the version of the locked @pulumi/pulumi.
source ../lib.sh "$@"
version=$(required_version github.com/pulumi/pulumi/pkg/v3)
# The release build's tags and version stamp: the Automation API parses `pulumi version`.
go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    -o "$OUT/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
