# kwok: fake nodes and pods that report Running and Ready without containers.
source ../lib.sh "$@"
go build -trimpath -ldflags "-s -w" -o "$OUT/" sigs.k8s.io/kwok/cmd/kwok
