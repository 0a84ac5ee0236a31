"""The service packaging (issue #16): the systemd unit passes `systemd-analyze verify`, and
scripts/install lays out binary, unit and configuration under --destdir without touching
anything else, never overwriting a configuration that is there. The example that embeds a node
answers its own route when scripts/test built it (EMBEDDED_HUB_BIN)."""
import os
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from nave_process import free_port, stop_process, wait_for_port  # noqa: E402

NAVE = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))
UNIT = REPO / "packaging" / "systemd" / "nave.service"


def test_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is missing (scripts/bootstrap.sh installs the systemd package)")
    text = UNIT.read_text()
    for line in ("Type=notify", "LimitNOFILE=20000", "User=nave", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                 "ExecStart=/usr/local/bin/nave serve --config /etc/nave/nave.yaml",
                 "ExecReload=/bin/kill -HUP $MAINPID", "StateDirectory=nave", "WatchdogSec="):
        assert line in text, f"the unit lacks {line}"
    # verify checks that ExecStart's program exists: point it at the binary under test, the
    # only change (no /usr/local/bin/nave in the test sandbox).
    unit = tmp_path / "nave.service"
    unit.write_text(text.replace("/usr/local/bin/nave", NAVE))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "nave.service" not in result.stderr, f"warnings about the unit: {result.stderr}"


def test_install_into_destdir(tmp_path):
    destdir = tmp_path / "root"
    env = dict(os.environ, NAVE_BIN=NAVE)
    run = lambda: subprocess.run([str(REPO / "scripts" / "install"), "--destdir", str(destdir), "--prefix", "/opt/nave"],
                                 capture_output=True, text=True, env=env, timeout=60)
    first = run()
    assert first.returncode == 0, first.stderr
    binary = destdir / "opt/nave/bin/nave"
    assert binary.read_bytes() == pathlib.Path(NAVE).read_bytes() and os.access(binary, os.X_OK)
    unit = (destdir / "etc/systemd/system/nave.service").read_text()
    assert "ExecStart=/opt/nave/bin/nave serve --config /etc/nave/nave.yaml" in unit
    config = destdir / "etc/nave/nave.yaml"
    assert config.read_text() == (REPO / "packaging/nave.yaml").read_text()
    assert "dataDirectory: /var/lib/nave" in config.read_text()
    # Only those three files, all under the staging root.
    assert sorted(str(p.relative_to(destdir)) for p in destdir.rglob("*") if p.is_file()) == [
        "etc/nave/nave.yaml", "etc/systemd/system/nave.service", "opt/nave/bin/nave"]

    # An edited configuration survives a second install.
    config.write_text("log:\n  level: debug\n")
    second = run()
    assert second.returncode == 0, second.stderr
    assert config.read_text() == "log:\n  level: debug\n"
    assert "kept" in second.stdout

    bad = subprocess.run([str(REPO / "scripts" / "install"), "--bogus"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2


def test_installed_default_configuration_is_accepted(tmp_path):
    """packaging/nave.yaml starts a node once its data directory and ports are moved."""
    port = free_port()
    env = dict(os.environ, DATA_DIRECTORY=str(tmp_path / "data"), HUB_ENABLED="false", MQTT_LISTENERS=f"127.0.0.1:{port}")
    process = subprocess.Popen([NAVE, "serve", "--config", str(REPO / "packaging/nave.yaml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        wait_for_port(port, process)
    finally:
        stop_process(process)
    assert process.returncode == 0


def test_embedded_example_answers_its_route(tmp_path):
    binary = os.environ.get("EMBEDDED_HUB_BIN")
    if not binary:
        pytest.skip("EMBEDDED_HUB_BIN is not set (scripts/test builds Examples/EmbeddedHub and sets it)")
    port = free_port()
    process = subprocess.Popen([binary, "--data-dir", str(tmp_path / "hub"), "--http-port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, process, seconds=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/fleet/summary", timeout=10) as response:
            assert response.status == 200
            body = response.read().decode()
        assert '"devices":0' in body and '"hostName":"localhost"' in body
    finally:
        stop_process(process)
    assert process.returncode == 0
