"""Issue #16 through the real `nave` binary: `nave config check`, a refused configuration that
leaves nothing behind, `--print-config`, and `log.format: json` read from the node's stderr."""
import json
import os
import subprocess

from conftest import REPO
from nave_process import free_port, node_environment, stop_process, wait_for_port

NAVE = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))


def run(args, env=None, timeout=30):
    return subprocess.run([NAVE, *args], env=env or node_environment(), capture_output=True, text=True, timeout=timeout)


def test_config_check_reports_every_mistake_with_its_line_and_exit_status(tmp_path):
    config = tmp_path / "nave.yaml"
    config.write_text("io:\n  loops: abc\nmqtt:\n  maximumPaketBytes: 4096\n  maximumPacketBytes: 12\n")
    checked = run(["config", "check", "--config", str(config)], env=node_environment(NAVE_IO_LOPS="2"))
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [
        "configuration: io.loops = abc (nave.yaml:2): must be an integer in 1…256",
        "configuration: mqtt.maximumPacketBytes = 12 (nave.yaml:5): must be an integer in 64…268435460",
        "configuration: mqtt.maximumPaketBytes (nave.yaml:4): unknown key; did you mean mqtt.maximumPacketBytes?",
        "configuration: NAVE_IO_LOPS: unknown environment variable (NAVE_* variables are configuration keys); "
        "did you mean NAVE_IO_LOOPS?",
    ]
    for profile in sorted((REPO / "Tuning" / "profiles").iterdir()):
        ok = run(["config", "check", "--config", str(profile)])
        assert (ok.returncode, ok.stdout) == (0, "configuration OK\n"), ok.stderr
    assert run(["config", "check", "--no-such-option"]).returncode == 2


def test_a_refused_configuration_touches_nothing(tmp_path):
    data = tmp_path / "data"
    refused = run(["serve", "--data-dir", str(data), "--port", "0"],
                  env=node_environment(NAVE_HUB_ENABLED="true", NAVE_HUB_HTTPS_LISTENERS="localhost:443"))
    assert refused.returncode == 1
    assert "configuration: hub.httpsListeners = localhost:443 (env NAVE_HUB_HTTPS_LISTENERS)" in refused.stderr
    assert not data.exists(), "the data directory was created before the configuration passed"


def test_print_config_names_each_source(tmp_path):
    config = tmp_path / "nave.yaml"
    config.write_text("io:\n  loops: 1\n")
    printed = run(["serve", "--config", str(config), "--print-config", "--port", "0"],
                  env=node_environment(NAVE_MQTT_SESSIONS_MAX="7"))
    assert printed.returncode == 0, printed.stderr
    lines = {line.split(":")[0]: line for line in printed.stdout.splitlines()}
    assert lines["io.loops"].split() == ["io.loops:", "1", "#", "nave.yaml:2"]
    assert lines["mqtt.sessionsMax"].split() == ["mqtt.sessionsMax:", "7", "#", "env", "NAVE_MQTT_SESSIONS_MAX"]
    assert lines["mqtt.listeners"].split()[-2:] == ["option", "--port"]
    assert lines["hub.hostName"].split()[-1] == "default"


def test_json_log_lines_and_the_start_line(tmp_path):
    port = free_port()
    config = tmp_path / "nave.yaml"
    config.write_text("hub:\n  enabled: false\nlog:\n  format: json\n")
    stderr_path = tmp_path / "stderr"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen([NAVE, "serve", "--config", str(config), "--port", str(port)],
                                   env=node_environment(NAVE_ADMIN_LISTENERS=""), stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            wait_for_port(port, process)
        finally:
            stop_process(process)
    lines = [json.loads(line) for line in stderr_path.read_text().splitlines()]
    assert lines, "the node logged nothing"
    for line in lines:
        assert {"time", "level", "label", "message"} <= line.keys()
        assert line["time"].endswith("Z") and line["time"][10] == "T"
    started = next(line for line in lines if line["message"] == "node started")
    assert started["label"] == "nave"
    assert started["backend"] in ("io_uring", "epoll")
    assert started["version"] and started["revision"]
    assert f"127.0.0.1:{port}" in started["mqttListeners"]
