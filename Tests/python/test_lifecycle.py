"""A real `nave serve` through its life (issue #16): SIGHUP reloads the TLS certificates while a
TLS client stays connected, SIGTERM drains (clients kept for the grace period, then closed,
exit 0), a second SIGTERM stops at once, and systemd's sd_notify datagrams arrive on a real
Unix datagram socket named by NOTIFY_SOCKET."""
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import paho.mqtt.client as mqtt
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from nave_process import free_port, stop_process, wait_for_port  # noqa: E402

NAVE = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))


def wait_for(condition, seconds=15, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def make_certificates(directory):
    """A CA and a server certificate for 127.0.0.1/localhost it signed (openssl, P-256)."""
    script = """set -e
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key
    openssl req -x509 -new -key ca.key -subj /CN=nave-lifecycle-ca -days 2 -out ca.pem
    openssl ecparam -name prime256v1 -genkey -noout -out server.key
    openssl req -new -key server.key -subj /CN=localhost -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem
    """
    os.makedirs(directory)
    subprocess.run(["sh", "-c", script], cwd=directory, check=True, capture_output=True)
    return directory


class Node:
    """`nave serve` with the hub on free loopback ports and its log in a file."""

    def __init__(self, tmp, extra_env=None, args=()):
        self.tmp = pathlib.Path(tmp)
        self.ports = {name: free_port() for name in ("mqtt", "devices", "https", "amqp", "broker_tls")}
        env = dict(os.environ)
        env.update({
            "HUB_MQTT_LISTENERS": f"127.0.0.1:{self.ports['devices']}",
            "HUB_HTTPS_LISTENERS": f"127.0.0.1:{self.ports['https']}",
            "HUB_AMQP_LISTENERS": f"127.0.0.1:{self.ports['amqp']}",
        })
        env.update(extra_env or {})
        self.log_path = self.tmp / "nave.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [NAVE, "serve", "--data-dir", str(self.tmp / "data"), "--port", str(self.ports["mqtt"]),
             "--log-level", "info", *args],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(self.ports["mqtt"], self.process)
        wait_for_port(self.ports["devices"], self.process)

    def log_text(self):
        return self.log_path.read_text()

    def stop(self):
        stop_process(self.process)
        self.log.close()


def handshake(port, ca):
    """Completes a TLS handshake trusting only `ca`; True when the server's certificate verified."""
    context = ssl.create_default_context(cafile=ca)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost"):
                return True
    except ssl.SSLCertVerificationError:
        return False


def tls_client(port, ca, client_id):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.tls_set(ca_certs=ca)
    received = []
    client.on_message = lambda c, u, message: received.append(message.payload)
    client.connect("127.0.0.1", port, keepalive=60)
    client.loop_start()
    wait_for(client.is_connected, what="the TLS client's CONNACK")
    return client, received


def not_served(port):
    """True when a new connection is refused, or reset at once: the listener's close is
    asynchronous on io_uring, so the kernel may still complete a handshake it then drops."""
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return True
    with raw:
        raw.settimeout(3)
        try:
            raw.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")  # CONNECT, empty client id
            return raw.recv(4) == b""
        except OSError:
            return True


def plain_client(port, client_id):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    disconnected = []
    client.on_disconnect = lambda *args: disconnected.append(time.monotonic())
    client.connect("127.0.0.1", port, keepalive=60)
    client.loop_start()
    wait_for(client.is_connected, what="the client's CONNACK")
    return client, disconnected


def test_sighup_reloads_tls_certificates_and_a_connected_client_stays(tmp_path):
    old = make_certificates(tmp_path / "old")
    new = make_certificates(tmp_path / "new")
    live = tmp_path / "live"
    live.mkdir()
    for name in ("server.pem", "server.key"):
        (live / name).write_bytes((old / name).read_bytes())
    broker_tls = free_port()
    # mqtt.tlsListeners take the hub's certificate files when they name none.
    node = Node(tmp_path, {
        "HUB_TLS_CERTIFICATE_CHAIN": str(live / "server.pem"), "HUB_TLS_PRIVATE_KEY": str(live / "server.key"),
        "MQTT_ALLOW_ANONYMOUS": "true", "MQTT_TLS_LISTENERS": f"127.0.0.1:{broker_tls}",
    })
    try:
        wait_for_port(broker_tls, node.process)
        client, received = tls_client(broker_tls, str(old / "ca.pem"), "held")
        client.subscribe("room/#", qos=1)
        time.sleep(0.2)

        for name in ("server.pem", "server.key"):
            (live / name).write_bytes((new / name).read_bytes())
        node.process.send_signal(signal.SIGHUP)
        wait_for(lambda: node.log_text().count("TLS certificate reloaded") >= 2, what="both TLS identities reloaded")

        for port in (node.ports["devices"], node.ports["https"], node.ports["amqp"], broker_tls):
            assert handshake(port, str(new / "ca.pem")), f"port {port} does not present the new certificate"
            assert not handshake(port, str(old / "ca.pem")), f"port {port} still presents the old certificate"
        # The session made before the reload is still up and still served.
        assert client.is_connected()
        client.publish("room/a", b"after reload", qos=1).wait_for_publish(5)
        wait_for(lambda: received == [b"after reload"], what="the held client's own message")

        # A key that does not load keeps the identity in force; the node lives on.
        (live / "server.key").write_text("not a key\n")
        node.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "TLS certificate not reloaded" in node.log_text(), what="the refusal")
        assert handshake(node.ports["devices"], str(new / "ca.pem"))
        assert node.process.poll() is None
        client.loop_stop()
        client.disconnect()
    finally:
        node.stop()


def test_sighup_during_start_does_not_kill_the_node(tmp_path):
    """The handlers are installed before the configuration is read: a reload that comes while
    the node starts (systemd's ExecReload, a log rotation) is done once it runs."""
    env = dict(os.environ, HUB_ENABLED="false")
    port = free_port()
    process = subprocess.Popen([NAVE, "serve", "--data-dir", str(tmp_path / "d"), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        # Past the process's loading (before `main` no handler can exist), inside its start.
        time.sleep(0.15)
        process.send_signal(signal.SIGHUP)
        wait_for_port(port, process)
        time.sleep(0.3)
        assert process.poll() is None, f"SIGHUP at start ended the node ({process.returncode})"
    finally:
        stop_process(process)


def test_sigterm_drains_then_exits_0(tmp_path):
    node = Node(tmp_path, {"LIFECYCLE_DRAIN_GRACE_SECONDS": "2"})
    client, disconnected = plain_client(node.ports["mqtt"], "drained")
    sent = time.monotonic()
    node.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "draining" in node.log_text(), what="the drain")
    # No new clients; the connected one keeps its connection for the grace period...
    assert not_served(node.ports["mqtt"]), "a new client was accepted during the drain"
    time.sleep(0.5)
    assert client.is_connected() and not disconnected, "closed before the grace period was over"
    # ... then is closed, the hub flushes and the process exits 0.
    assert node.process.wait(timeout=30) == 0
    wait_for(lambda: disconnected, what="the client's disconnect")
    assert disconnected[0] - sent >= 1.5, "the connection was closed well before the 2-s grace period"
    log = node.log_text()
    assert "drain over; closing the remaining connections" in log
    assert "node stopped" in log  # after the hub's flush and the stores' close
    client.loop_stop()
    node.log.close()


def test_second_sigterm_stops_at_once(tmp_path):
    node = Node(tmp_path, {"LIFECYCLE_DRAIN_GRACE_SECONDS": "600"})
    client, disconnected = plain_client(node.ports["mqtt"], "stubborn")
    node.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "draining" in node.log_text(), what="the drain")
    time.sleep(0.3)
    assert node.process.poll() is None, "the first SIGTERM must wait for the connected client"
    node.process.send_signal(signal.SIGTERM)
    assert node.process.wait(timeout=30) == 0, "a second SIGTERM ends the drain, not the 600-s grace"
    wait_for(lambda: disconnected, what="the client's disconnect")
    assert "second stop signal" in node.log_text()
    client.loop_stop()
    node.log.close()


@pytest.mark.parametrize("abstract", [True, False], ids=["abstract", "path"])
def test_sd_notify_ready_watchdog_stopping(tmp_path, abstract):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = f"@nave-notify-{os.getpid()}-{time.monotonic_ns()}"
        listener.bind("\0" + name[1:])
    else:
        name = str(tmp_path / "notify.sock")
        listener.bind(name)
    listener.settimeout(15)
    # systemd sets WATCHDOG_USEC from WatchdogSec=; the node answers every half of it.
    node = Node(tmp_path, {"NOTIFY_SOCKET": name, "WATCHDOG_USEC": "400000", "LIFECYCLE_DRAIN_GRACE_SECONDS": "0"})
    try:
        messages = []

        def receive_until(needle):
            while not any(needle in m for m in messages):
                messages.append(listener.recv(4096).decode())

        receive_until("READY=1")
        ready = next(m for m in messages if "READY=1" in m)
        assert "STATUS=" in ready
        receive_until("WATCHDOG=1")
        count = sum("WATCHDOG=1" in m for m in messages)
        while count < 3:
            messages.append(listener.recv(4096).decode())
            count = sum("WATCHDOG=1" in m for m in messages)
        assert not any("STOPPING=1" in m for m in messages)
        node.process.send_signal(signal.SIGTERM)
        receive_until("STOPPING=1")
        assert node.process.wait(timeout=30) == 0
    finally:
        node.stop()
        listener.close()
