"""`nave`'s operator surface (issue #16): output formats, exit statuses, SAS tokens the node
accepts, module commands, hidden keys, and `--login` reaching a node over the network.

Runs the real binary against a real node (every listener on a free loopback port) and, where
the store is enough, against a data directory no node holds."""
import json
import pathlib
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import paho.mqtt.client as mqtt
import pytest
from amqp_helpers import NAVE, HubNode

API = "api-version=2021-04-12"


def run(*args, cwd=None):
    return subprocess.run([NAVE, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def ok(*args, cwd=None):
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, f"nave {' '.join(args)} ({result.returncode}): {result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def node():
    hub = HubNode({"openTimeoutMillis": 5000})
    yield hub
    hub.stop()


@pytest.fixture()
def offline():
    """A data directory with certificates and no node on it: commands open the store."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="nave-cli-"))
    ok("certs", "init", "--data-dir", str(root / "data"))
    yield str(root / "data")
    shutil.rmtree(root, ignore_errors=True)


def rest_port(node):
    advertised = json.loads((node.data_dir / "node.json").read_text())
    return int(advertised["restAddress"].rsplit(":", 1)[1])


def test_output_formats(offline):
    for device in ("fmt-a", "fmt-b"):
        ok("device", "create", "-d", device, "--data-dir", offline)
    listed = json.loads(ok("device", "list", "-o", "json", "--data-dir", offline))
    assert sorted(item["deviceId"] for item in listed) == ["fmt-a", "fmt-b"]
    # A pipe gets JSON by default.
    assert json.loads(ok("device", "list", "--data-dir", offline)) == listed
    table = ok("device", "list", "-o", "table", "--data-dir", offline).splitlines()
    assert table[0].split()[:2] == ["deviceId", "generationId"] and set(table[1]) <= {"-", " "}
    assert sorted(line.split()[0] for line in table[2:]) == ["fmt-a", "fmt-b"]
    rows = [line.split("\t") for line in ok("device", "list", "-o", "tsv", "--data-dir", offline).splitlines()]
    assert len(rows) == 2 and all(len(row) == len(table[0].split()) for row in rows), "no header, one cell per column"
    assert sorted(row[0] for row in rows) == ["fmt-a", "fmt-b"]
    assert rows[0][4] == "enabled", "columns in the JSON's order: deviceId, generationId, etag, connectionState, status"
    colored = ok("device", "show", "-d", "fmt-a", "-o", "jsonc", "--data-dir", offline)
    assert "\x1b[" in colored and json.loads(colored.replace("\x1b[94m", "").replace("\x1b[32m", "").replace("\x1b[36m", "")
                                             .replace("\x1b[35m", "").replace("\x1b[0m", ""))["deviceId"] == "fmt-a"


def test_exit_statuses(offline):
    assert run("--version").returncode == 0 and run("--version").stdout.strip().startswith("0.")
    missing = run("device", "show", "-d", "ghost", "--data-dir", offline)
    assert missing.returncode == 3 and "DeviceNotFound" in missing.stderr
    assert run("module", "show", "-d", "ghost", "-m", "m", "--data-dir", offline).returncode == 3
    assert run("route", "show", "--route-name", "ghost", "--data-dir", offline).returncode == 3
    bad = run("device", "list", "--no-such-flag", "--data-dir", offline)
    assert bad.returncode == 2 and "Unknown option" in bad.stderr
    assert run("device", "list", "-o", "yaml", "--data-dir", offline).returncode == 2
    assert run("device", "generate-sas-token", "-d", "x", "--duration", "0", "--data-dir", offline).returncode == 2
    exists = run("device", "create", "-d", "twice", "--data-dir", offline)
    assert exists.returncode == 0 and run("device", "create", "-d", "twice", "--data-dir", offline).returncode == 1
    assert "Exit status" in ok("--help")


def test_device_list_hides_keys(offline):
    created = json.loads(ok("device", "create", "-d", "keyed", "--data-dir", offline))
    key = created["authentication"]["symmetricKey"]["primaryKey"]
    assert key
    hidden = ok("device", "list", "--data-dir", offline)
    assert key not in hidden and json.loads(hidden)[0]["authentication"]["symmetricKey"]["primaryKey"] is None
    assert key in ok("device", "list", "--show-keys", "--data-dir", offline)
    assert key in ok("device", "show", "-d", "keyed", "--data-dir", offline)


def exercise_modules(*where):
    ok("device", "create", "-d", "host", *where)
    created = json.loads(ok("module", "create", "-d", "host", "-m", "m1", "--managed-by", "ops", *where))
    assert created["moduleId"] == "m1" and created["managedBy"] == "ops"
    assert [m["moduleId"] for m in json.loads(ok("module", "list", "-d", "host", *where))] == ["m1"]
    updated = json.loads(ok("module", "update", "-d", "host", "-m", "m1", "--primary-key", "AAAAAAAAAAAAAAAAAAAAAA==", *where))
    assert updated["authentication"]["symmetricKey"]["primaryKey"] == "AAAAAAAAAAAAAAAAAAAAAA=="
    assert updated["managedBy"] == "ops" and updated["etag"] != created["etag"]
    string = ok("module", "show-connection-string", "-d", "host", "-m", "m1", *where).strip()
    assert string.endswith(";DeviceId=host;ModuleId=m1;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAA==")
    twin = json.loads(ok("module", "twin", "update", "-d", "host", "-m", "m1", "--desired", '{"rate": 5}', *where))
    assert twin["moduleId"] == "m1" and twin["properties"]["desired"]["rate"] == 5
    replaced = json.loads(ok("module", "twin", "replace", "-d", "host", "-m", "m1", "--tags", '{"site": "b1"}', *where))
    assert replaced["tags"] == {"site": "b1"} and "rate" not in replaced["properties"]["desired"]
    assert json.loads(ok("module", "twin", "show", "-d", "host", "-m", "m1", *where))["tags"] == {"site": "b1"}
    assert run("module", "update", "-d", "host", "-m", "ghost", "--managed-by", "x", *where).returncode == 3
    assert run("module", "create", "-d", "host", "-m", "m1", *where).returncode == 1, "already exists"
    assert ok("module", "delete", "-d", "host", "-m", "m1", *where) == ""
    assert run("module", "show", "-d", "host", "-m", "m1", *where).returncode == 3
    assert run("module", "delete", "-d", "host", "-m", "m1", *where).returncode == 3
    ok("device", "delete", "-d", "host", *where)


def test_modules_in_the_store(offline):
    exercise_modules("--data-dir", offline)


def test_modules_through_a_node(node):
    exercise_modules("--data-dir", str(node.data_dir))


def https_get(node, path, token):
    context = ssl.create_default_context(cafile=node.ca)
    request = urllib.request.Request(f"https://localhost:{rest_port(node)}{path}?{API}", headers={"Authorization": token})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def sas(*args):
    return json.loads(ok(*args, "-o", "json"))["sas"]


def test_hub_token_authorizes_rest(node):
    where = ("--data-dir", str(node.data_dir))
    ok("device", "create", "-d", "rest-probe", *where)
    status, devices = https_get(node, "/devices", sas("hub", "generate-sas-token", "--duration", "120", *where))
    assert status == 200 and "rest-probe" in [d["deviceId"] for d in devices]
    # A policy without RegistryRead signs a valid token the registry still refuses.
    status, _ = https_get(node, "/devices", sas("hub", "generate-sas-token", "--policy", "device", *where))
    assert status == 401
    status, _ = https_get(node, "/devices", sas("hub", "generate-sas-token", "--policy", "registryRead", "--key-type", "secondary", *where))
    assert status == 200


def mqtt_connect(node, client_id, token):
    port = node_mqtt_port(node)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
    client.username_pw_set(f"localhost/{client_id}/?{API}", token)
    client.tls_set(ca_certs=node.ca)
    result = {}
    client.on_connect = lambda c, userdata, flags, reason, properties: result.setdefault("rc", reason.value)
    try:
        client.connect("localhost", port, keepalive=30)
    except OSError:
        return None
    client.loop_start()
    for _ in range(100):
        if "rc" in result:
            break
        time.sleep(0.05)
    client.loop_stop()
    client.disconnect()
    return result.get("rc")


def node_mqtt_port(node):
    for line in node.config.read_text().splitlines():
        if line.strip().startswith("mqttListeners:"):
            return int(line.split(":")[-1].rstrip('"]'))
    raise AssertionError("no hub mqttListeners in the config")


def test_device_and_module_tokens_connect_over_mqtt_tls(node):
    where = ("--data-dir", str(node.data_dir))
    ok("device", "create", "-d", "sas-dev", *where)
    ok("module", "create", "-d", "sas-dev", "-m", "edge", *where)
    assert mqtt_connect(node, "sas-dev", sas("device", "generate-sas-token", "-d", "sas-dev", *where)) == 0
    secondary = sas("device", "generate-sas-token", "-d", "sas-dev", "--key-type", "secondary", "--duration", "60", *where)
    assert mqtt_connect(node, "sas-dev", secondary) == 0
    assert mqtt_connect(node, "sas-dev/edge", sas("device", "generate-sas-token", "-d", "sas-dev", "-m", "edge", *where)) == 0
    # The device's token does not open the module: the node checks what the CLI signed.
    assert mqtt_connect(node, "sas-dev/edge", sas("device", "generate-sas-token", "-d", "sas-dev", *where)) != 0


def test_login_talks_to_the_host_over_https(node, tmp_path):
    """From a directory with no data directory at all: the only way to the hub is the network."""
    login = f"HostName=localhost:{rest_port(node)};SharedAccessKeyName={node.policy};SharedAccessKey={node.key}"
    remote = ("--login", login, "--ca-file", node.ca)
    created = json.loads(ok("device", "create", "-d", "via-login", *remote, cwd=tmp_path))
    assert created["deviceId"] == "via-login"
    assert not (tmp_path / "nave-data").exists()
    assert "via-login" in [d["deviceId"] for d in json.loads(ok("device", "list", *remote, cwd=tmp_path))]
    assert "via-login" in [d["deviceId"] for d in json.loads(node.cli("device", "list"))], "the node has it"
    assert run("device", "show", "-d", "ghost", *remote, cwd=tmp_path).returncode == 3
    # The token printed for --login's own policy is one the node accepts.
    token = json.loads(ok("hub", "generate-sas-token", "-l", login, "-o", "json", cwd=tmp_path))["sas"]
    assert https_get(node, "/devices", token)[0] == 200
    # A wrong key is refused by the node (1), a CA that did not sign its certificate by TLS.
    wrong = login.rsplit("=", 2)[0] + "=" + "A" * 43 + "="
    assert run("device", "list", "--login", wrong, "--ca-file", node.ca, cwd=tmp_path).returncode == 1
    other_ca = tmp_path / "other"
    ok("certs", "init", "--data-dir", str(other_ca))
    refused = run("device", "list", *remote[:2], "--ca-file", str(other_ca / "certs" / "ca.pem"), cwd=tmp_path)
    assert refused.returncode == 1 and "TLS handshake" in refused.stderr
    # Nothing listens there: proof the port in HostName is the one dialled.
    closed = run("device", "list", "--login", login.replace(str(rest_port(node)), "1"), "--ca-file", node.ca, cwd=tmp_path)
    assert closed.returncode == 1 and "cannot connect" in closed.stderr


def test_monitor_events_says_what_it_waits_for(node):
    result = run("monitor-events", "--data-dir", str(node.data_dir), "--timeout", "1", "--consumer-group", "$Default")
    assert result.returncode == 0, result.stderr
    assert "partitions" in result.stderr and "consumer group '$Default'" in result.stderr and "from latest" in result.stderr
    assert result.stdout == ""
