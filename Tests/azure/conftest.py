"""Starts a Nave node with its hub listeners on the fixed ports the Azure SDKs dial (8883, 443,
5671), in the private network namespace `Tests/azure/run.sh` makes, and gives tests its connection
strings and CA. The node binary is $NAVE_BIN (default .build/debug/nave).

AMQP (contract §5, §6): TLS on 5671 (the default `hub.amqpListeners`) and on 15671 (the Event Hub
reader's `custom_endpoint_address`), plain on 5672 (`hub.plainAmqpListeners`, for `use_tls=False`),
WebSockets on the 443 listener. The node must listen on 5671 before tests start;
NAVE_AZURE_AMQP=0 skips that wait, for a node built without the AMQP endpoint.
"""
import functools
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from nave_process import stop_process, wait_for_port  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
NAVE = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))

if os.environ.get("NAVE_NETNS") != "1":
    pytest.exit("run these through Tests/azure/run.sh: they need a private network namespace "
                "for the fixed ports 8883, 443 and 5671", returncode=2)

AMQP_PORT = 5671                # TLS, fixed for the service SDK's C2D (contract §5.1)
CUSTOM_AMQP_PORT = 15671        # TLS, the Event Hub reader's custom endpoint (§0.1 item 5)
PLAIN_AMQP_PORT = 5672          # no TLS, the Event Hub reader's use_tls=False (§6.1)
AMQP_EXPECTED = os.environ.get("NAVE_AZURE_AMQP", "1") != "0"


def nave(*args, check=True):
    """Runs the CLI and returns its standard output."""
    result = subprocess.run([NAVE, *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"nave {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


@functools.cache
def hub_help():
    return nave("hub", "--help").stdout


def port_accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Node:
    """One `nave serve` on a data directory; `restart()` keeps the directory."""

    def __init__(self, data_dir, extra_env=None):
        self.data_dir = pathlib.Path(data_dir)
        self.extra_env = extra_env or {}
        self.process = None
        self.log_path = self.data_dir.parent / (self.data_dir.name + ".log")
        self.start()

    def start(self):
        env = dict(os.environ)
        env.setdefault("MQTT_HOUSEKEEPING_INTERVAL_MILLIS", "200")
        # Connection-state events are IoT Hub's 60-second snapshot; 1 s keeps the tests short.
        env.setdefault("HUB_CONNECTION_STATE_SNAPSHOT_SECONDS", "1")
        # SDK clients still connected at a restart would hold SIGTERM's drain for its 10-s
        # default, past stop_process's patience.
        env.setdefault("LIFECYCLE_DRAIN_GRACE_SECONDS", "1")
        # hub.amqpListeners and hub.plainAmqpListeners, as environment variables (keys upper-cased,
        # `_` at dots and word boundaries; arrays comma-separated).
        env.setdefault("HUB_AMQP_LISTENERS", f"127.0.0.1:{AMQP_PORT},127.0.0.1:{CUSTOM_AMQP_PORT}")
        env.setdefault("HUB_PLAIN_AMQP_LISTENERS", f"127.0.0.1:{PLAIN_AMQP_PORT}")
        env.update(self.extra_env)
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [NAVE, "serve", "--data-dir", str(self.data_dir), "--log-level", "info"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(8883, self.process)
        wait_for_port(443, self.process)
        if AMQP_EXPECTED:
            wait_for_port(AMQP_PORT, self.process)
        self.ca_path = str(self.data_dir / "certs" / "ca.pem")
        self.ca_pem = pathlib.Path(self.ca_path).read_text()
        # msrest (service REST) trusts the CA through requests' environment; uamqp (the service
        # SDK's C2D) through OpenSSL's, read when it makes its TLS context (contract §0.2).
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca_path
        os.environ["SSL_CERT_FILE"] = self.ca_path

    def stop(self):
        stop_process(self.process)
        self.log.close()

    def restart(self):
        self.stop()
        self.start()

    def kill_and_restart(self):
        """SIGKILL: no shutdown, no flush — what a crash or power cut leaves."""
        self.process.kill()
        self.process.wait()
        self.log.close()
        # The kernel may tear an io_uring process's sockets down after it is reaped: until the
        # old listeners are gone, `start()` could take them for the new node's.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(port_accepts(port) for port in (8883, 443)):
            time.sleep(0.05)
        self.start()

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text()

    def service_connection_string(self, policy="iothubowner"):
        out = nave("hub", "show-connection-string", "--data-dir", str(self.data_dir), "--policy", policy).stdout.strip()
        assert re.fullmatch(r"HostName=localhost;SharedAccessKeyName=\w+;SharedAccessKey=[A-Za-z0-9+/=]+", out), out
        return out

    def registry(self, policy="iothubowner"):
        from azure.iot.hub import IoTHubRegistryManager
        return IoTHubRegistryManager.from_connection_string(self.service_connection_string(policy))

    def hub_has_command(self, name):
        """Whether `nave hub` has the subcommand `name` (some arrive with later commits)."""
        return re.search(rf"^\s*{re.escape(name)}\b", hub_help(), re.M) is not None

    def eventhub_connection_string(self, policy="iothubowner"):
        """The events endpoint's Event Hub-compatible connection string (contract §0.3, §6.1)."""
        if self.hub_has_command("show-eventhub-connection-string"):
            out = nave("hub", "show-eventhub-connection-string", "--data-dir", str(self.data_dir),
                       "--policy", policy).stdout.strip()
            assert re.fullmatch(r"Endpoint=sb://localhost/;SharedAccessKeyName=\w+;SharedAccessKey=[A-Za-z0-9+/=]+;"
                                r"EntityPath=[a-z0-9._-]+", out), out
            return out
        # Until the command exists: the service policy's key; the Event Hub is named after the
        # first label of the host name (hub.eventHubName's default).
        key = self.service_connection_string(policy).split("SharedAccessKey=", 1)[1]
        return f"Endpoint=sb://localhost/;SharedAccessKeyName={policy};SharedAccessKey={key};EntityPath=localhost"

    def device_connection_string(self, device_id, key):
        return f"HostName=localhost;DeviceId={device_id};SharedAccessKey={key}"

    def device_client(self, device_id, key, **kwargs):
        from azure.iot.device import IoTHubDeviceClient
        kwargs.setdefault("connection_retry", False)
        return IoTHubDeviceClient.create_from_connection_string(
            self.device_connection_string(device_id, key), server_verification_cert=self.ca_pem, **kwargs)


@pytest.fixture(scope="session")
def node():
    root = tempfile.mkdtemp(prefix="nave-azure-")
    node = Node(os.path.join(root, "data"))
    yield node
    node.stop()
    if os.environ.get("NAVE_KEEP_DATA") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def registry(node):
    return node.registry()


@pytest.fixture(scope="session")
def eventhub_connection_string(node):
    return node.eventhub_connection_string()


@pytest.fixture
def consumer(node, eventhub_connection_string):
    """Makes EventHubConsumerClients for the node's events endpoint: the CA trusted through
    `connection_verify` (contract §0.2), no retries (an error surfaces at once, §6.1), $Default
    unless told; every client made is closed after the test."""
    from azure.eventhub import EventHubConsumerClient
    clients = []

    def make(consumer_group="$Default", connection_string=None, **kwargs):
        kwargs.setdefault("retry_total", 0)
        kwargs.setdefault("connection_verify", node.ca_path)
        client = EventHubConsumerClient.from_connection_string(
            connection_string or eventhub_connection_string, consumer_group=consumer_group, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        closing = threading.Thread(target=client.close, daemon=True)
        closing.start()
        closing.join(10)


@pytest.fixture
def unique_id(request):
    """A device id unique to the test."""
    name = re.sub(r"[^A-Za-z0-9-]", "-", request.node.name)[:60]
    return f"{name}-{int(time.monotonic() * 1000) % 100000}"


@pytest.fixture
def device(registry, unique_id):
    """A SAS device registered for the test (keys generated), deleted afterwards."""
    created = registry.create_device_with_sas(unique_id, None, None, "enabled")
    yield created
    try:
        registry.delete_device(unique_id)
    except Exception:
        pass


@pytest.fixture
def fleet(registry, unique_id):
    """Devices `<id>-0`, `<id>-1`, … created on demand, tagged {"run": <id>}, deleted afterwards."""
    from azure.iot.hub.models import Twin
    created = []

    def make(count, tags=None):
        ids = []
        for index in range(count):
            device_id = f"{unique_id}-{index}"
            registry.create_device_with_sas(device_id, None, None, "enabled")
            created.append(device_id)
            registry.update_twin(device_id, Twin(tags={"run": unique_id, **((tags or {}).get(index, {}))}), "*")
            ids.append(device_id)
        return ids

    yield make
    for device_id in created:
        try:
            registry.delete_device(device_id)
        except Exception:
            pass
