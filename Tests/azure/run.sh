#!/usr/bin/env bash
# Runs the Azure SDK tests inside a private network namespace: the SDKs dial the fixed ports
# 8883 and 443 (contract §0.1), so each run gets its own loopback where nothing else listens.
# As root this is `unshare --net`; other users get root inside a user namespace as well
# (--map-root-user), which may bind 443 there. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NAVE_BIN=${NAVE_BIN:-$PWD/.build/debug/nave}
exec unshare --net --map-root-user -- bash -c '
    ip link set lo up
    export NAVE_NETNS=1
    exec .venv-azure/bin/python -m pytest -q -p no:cacheprovider Tests/azure "$@"
' bash "$@"
