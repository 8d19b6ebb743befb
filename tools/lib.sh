# Sourced by each module's build.sh, in the module's folder. OUT is the bin folder to fill.
set -euo pipefail
OUT=${1:?usage: build.sh OUT}
# The version of MODULE that this folder's go.mod requires.
required_version() { go list -m -f '{{.Version}}' "$1"; }
# The commit time of MODULE@VERSION, as the Go proxy reports it: a reproducible build date.
module_time() { go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$1@$2"; }
# The folder of MODULE (as required here) in the module cache, downloaded if need be.
module_dir() { go mod download "$1" && go list -m -f '{{.Dir}}' "$1"; }
