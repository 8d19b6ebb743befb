# promtool, to unit-test the alert rules (promtool test rules), from the Prometheus module v0.316.0 (Prometheus 3.16).
source ../lib.sh "$@"
go build -trimpath -ldflags "-s -w" -o "$OUT/" github.com/prometheus/prometheus/cmd/promtool
