# redis_exporter v1.74.0, the newest version whose module the Go proxy serves (v1.78.0 is listed, its zip refused).
# The checksum database does not know it: go.sum, written once with GONOSUMDB for this module, pins its hash.
source ../lib.sh "$@"
version=$(required_version github.com/oliver006/redis_exporter)
go build -trimpath -ldflags "-s -w -X main.BuildVersion=$version" -o "$OUT/redis_exporter" github.com/oliver006/redis_exporter
