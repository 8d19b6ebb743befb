#!/usr/bin/env bash
# The Prometheus Operator's own CRDs (PodMonitor, PrometheusRule, …), for the cluster tier: the YAML files of its Go
# module, fetched by the Go toolchain from the module proxy into the module cache and checked against the hash pinned
# here. Prints the folder of the CRD files. A warm module cache skips the download.
set -euo pipefail
module=github.com/prometheus-operator/prometheus-operator
version=v0.85.0
sum="h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s="
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$module@$version")
got=$(echo "$json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Sum"])')
[ "$got" = "$sum" ] || { echo "tools/prometheus-operator/crds.sh: $module@$version has hash $got, not $sum" >&2; exit 1; }
dir=$(echo "$json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
echo "$dir/example/prometheus-operator-crd"
