#!/usr/bin/env bash
# Installs what building and testing Nave needs, only when it is missing. `--serve` installs
# only what building and running the node needs (scripts/serve, scripts/install):
#   Debian packages: liburing-dev, libssl-dev, libjemalloc-dev (the engine, TLS, the allocator),
#                    libsqlite3-dev (the embedded store), libqpid-proton11-dev (the AMQP engine,
#                    Proton-C's connection driver)
# and, for testing (the default), also:
#                    openssl and iproute2 (test certificates, private network namespaces),
#                    mosquitto-clients and mosquitto (third-party clients in tests, the benchmark
#                    peer), gcc and python3-dev (python-qpid-proton, the second AMQP peer in
#                    Tests/python, has no wheel here: pip builds its C core), systemd
#                    (`systemd-analyze verify` of packaging/systemd/nave.service), chromium and
#                    chromium-driver (the console's browser tests in Tests/azure)
#   a Python virtualenv at .venv with Tests/python/requirements.txt (paho-mqtt 2, pytest, …)
#   a Python virtualenv at .venv-azure with Tests/azure/requirements.txt (the unmodified Azure
#   IoT SDKs; azure-iot-device pins paho-mqtt < 2, so it cannot share .venv)
# Safe to run again: it does nothing when everything is there. Never prompts (CI has no stdin).
set -euo pipefail
cd "$(dirname "$0")/.."

serve_only=false
[[ ${1-} == --serve ]] && serve_only=true

packages=(liburing-dev libssl-dev libjemalloc-dev libsqlite3-dev libqpid-proton11-dev)
$serve_only || packages+=(openssl iproute2 mosquitto-clients mosquitto python3-venv gcc python3-dev systemd chromium chromium-driver)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# pyenv or another Python that already has venv needs no python3-venv package.
if [[ " ${missing[*]-} " == *" python3-venv "* ]] && python3 -m venv --help >/dev/null 2>&1; then
    missing=("${missing[@]/python3-venv}")
fi
# Nor does one whose headers are there (pyenv's) need python3-dev.
if [[ " ${missing[*]-} " == *" python3-dev "* ]] \
    && python3 -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' 2>/dev/null; then
    missing=("${missing[@]/python3-dev}")
fi
missing=(${missing[@]+"${missing[@]}"})
if ((${#missing[@]})); then
    echo "bootstrap: installing ${missing[*]}" >&2
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
    # The mosquitto package starts a system broker on 1883; Nave's tests and benchmarks start
    # their own on free ports, and a node started by scripts/serve wants 1883 itself.
    if [[ " ${missing[*]} " == *" mosquitto "* ]]; then
        $sudo systemctl disable --now mosquitto >/dev/null 2>&1 || $sudo service mosquitto stop >/dev/null 2>&1 || true
    fi
fi

# A virtualenv at $1 with the pinned requirements file $2, rebuilt when the file changes.
prepare_venv() {
    local venv=$1 requirements=$2
    [[ -f $requirements ]] || return 0
    if [[ ! -x $venv/bin/python ]] || ! cmp -s "$requirements" "$venv/.requirements"; then
        echo "bootstrap: preparing the Python virtualenv in $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" </dev/null
        cp "$requirements" "$venv/.requirements"
    fi
}

$serve_only && exit 0
prepare_venv .venv Tests/python/requirements.txt
prepare_venv .venv-azure Tests/azure/requirements.txt
