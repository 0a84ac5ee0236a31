"""A webhook routing endpoint (issue #15) received by a local HTTP server in the test: the JSON
envelope with enrichments (absent from `events`), every message in order through a webhook that
fails then recovers, and nothing lost when the node restarts or is killed mid-delivery."""
import base64
import http.server
import json
import ssl
import threading
import time

import pytest
from azure.iot.device import Message

from conftest import nave
from test_routing import client_for, json_message, read, routing


class Receiver:
    """An HTTP server on 127.0.0.1: answers `status()` (503 while failing, else 204) and keeps
    the envelopes it accepted, in arrival order. With `tls` (certificate, key) it serves HTTPS on
    every loopback address."""

    def __init__(self, tls=None):
        self.accepted = []
        self.refused = 0
        self.failing = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = receiver.failing
                    if failing:
                        receiver.refused += 1
                    else:
                        receiver.accepted.append(json.loads(body))
                self.send_response(503 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("" if tls else "127.0.0.1", 0), Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, device_id):
        """Bodies as text (the envelope carries non-JSON bodies in base64)."""
        with self.lock:
            return [base64.b64decode(e["body"]).decode() if e.get("bodyEncoding") == "base64" else e["body"]
                    for e in self.accepted if e["deviceId"] == device_id]

    def wait_for(self, device_id, count, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(self.bodies(device_id)) < count:
            time.sleep(0.05)
        return self.bodies(device_id)


@pytest.fixture
def webhook(node, unique_id):
    receiver = Receiver()
    name = "hook" + unique_id[-5:]
    routing(node, "endpoint", "create", "--endpoint-name", name, "--endpoint-type", "webhook", "--url", receiver.url)
    routing(node, "route", "create", "--route-name", name, "--endpoint-name", name,
            "--condition", f"$connectionDeviceId = '{unique_id}'")
    routing(node, "route", "create", "--route-name", name + "-events", "--endpoint-name", "events",
            "--condition", f"$connectionDeviceId = '{unique_id}'")
    routing(node, "message-enrichment", "create", "--key", "hub", "--value", "$iothubname", "--endpoint-names", name)
    yield receiver
    for args in (["route", "delete", "--route-name", name], ["route", "delete", "--route-name", name + "-events"],
                 ["message-enrichment", "delete", "--key", "hub"], ["endpoint", "delete", "--endpoint-name", name]):
        routing(node, *args, check=False)
    receiver.server.shutdown()


def test_webhook_gets_the_envelope_with_enrichments(node, device, unique_id, webhook):
    client = client_for(node, device, unique_id)
    client.send_message(json_message({"temp": 30}, level="critical"))
    client.send_message(Message(b"\x00\x01binary"))
    client.shutdown()
    webhook.wait_for(unique_id, 2)
    envelopes = [e for e in webhook.accepted if e["deviceId"] == unique_id]
    assert envelopes[1]["bodyEncoding"] == "base64" and envelopes[1]["body"] == "AAFiaW5hcnk="
    first = envelopes[0]
    assert first["body"] == {"temp": 30}, "a JSON body arrives as JSON"
    assert first["applicationProperties"] == {"level": "critical", "hub": "localhost"}
    assert first["systemProperties"]["content-type"] == "application/json"
    assert first["moduleId"] is None and first["enqueuedTimeUtc"].endswith("Z")
    events = read(node, unique_id)
    assert len(events) == 2 and all("hub" not in e["applicationProperties"] for e in events), "enrichment only at the webhook"


def test_failing_webhook_recovers_and_gets_every_message_in_order(node, device, unique_id, webhook):
    webhook.failing = True
    client = client_for(node, device, unique_id)
    sent = [f"m{n}" for n in range(20)]
    for body in sent:
        client.send_message(body)          # acknowledged at once: the webhook's state does not hold devices
    client.shutdown()
    deadline = time.monotonic() + 10
    while webhook.refused < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert webhook.refused >= 3
    webhook.failing = False
    assert webhook.wait_for(unique_id, 20) == sent


def test_restart_and_sigkill_during_delivery_lose_nothing(node, device, unique_id, webhook):
    webhook.failing = True
    client = client_for(node, device, unique_id)
    for n in range(5):
        client.send_message(f"a{n}")
    client.shutdown()
    node.restart()
    client = client_for(node, device, unique_id)
    for n in range(5):
        client.send_message(f"b{n}")
    client.shutdown()
    node.kill_and_restart()
    webhook.failing = False
    bodies = webhook.wait_for(unique_id, 10)
    # At least once, in order: a run may repeat after the crash, never skip or reorder.
    expected = [f"a{n}" for n in range(5)] + [f"b{n}" for n in range(5)]
    assert sorted(set(bodies)) == sorted(expected)
    firsts = sorted(set(bodies), key=bodies.index)
    assert firsts == expected


def test_dead_letters_are_readable_with_their_reason(node, device, unique_id):
    """A webhook that never answers (nothing listens on its port) gives each message up after
    `maxDeliveryAttempts`; `monitor-events --endpoint NAME --dead-letter` shows them, in order,
    with why and after how many attempts."""
    name = "dead" + unique_id[-5:]
    closed = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()                   # the port is free again: connecting is refused
    routing(node, "endpoint", "create", "--endpoint-name", name, "--endpoint-type", "webhook",
            "--url", f"http://127.0.0.1:{port}/", "--max-delivery-attempts", "2")
    routing(node, "route", "create", "--route-name", name, "--endpoint-name", name,
            "--condition", f"$connectionDeviceId = '{unique_id}'")
    try:
        client = client_for(node, device, unique_id)
        client.send_message(json_message({"n": 1}, level="critical"))
        client.send_message("second")
        client.shutdown()
        letters = []
        deadline = time.monotonic() + 30
        while len(letters) < 2 and time.monotonic() < deadline:
            letters = read(node, unique_id, "--endpoint", name, "--dead-letter")
        assert [e["body"] for e in letters] == ['{"n": 1}', "second"]
        first = letters[0]["applicationProperties"]
        assert first["level"] == "critical" and first["deliveryAttempts"] == "2"
        assert first["deadLetterReason"] and "originalEnqueuedTimeUtc" in first
        missing = nave("monitor-events", "--data-dir", str(node.data_dir), "--endpoint", "nosuch", "--dead-letter",
                       "--timeout", "1", check=False)
        assert missing.returncode != 0 and "nosuch" in missing.stderr
        folder = node.data_dir / "endpoints" / name
        assert (folder / "deadletter").is_dir()
        routing(node, "route", "delete", "--route-name", name)
        routing(node, "endpoint", "delete", "--endpoint-name", name)
        assert not folder.exists(), "a deleted endpoint's log and dead letters go with it"
    finally:
        routing(node, "route", "delete", "--route-name", name, check=False)
        routing(node, "endpoint", "delete", "--endpoint-name", name, check=False)


def test_webhook_by_name_over_https_checks_the_certificate_name(node, device, unique_id):
    """`https://localhost:PORT` is resolved by name and its certificate (the node's own, SAN
    localhost and 127.0.0.1) verified against `--webhook-ca-file`; the same server reached as
    127.0.0.2, an address the certificate does not name, is refused and dead-lettered."""
    certs = node.data_dir / "certs"
    receiver = Receiver(tls=(str(certs / "server.pem"), str(certs / "server.key")))
    good, bad = "tls" + unique_id[-5:], "badname" + unique_id[-5:]
    routing(node, "endpoint", "create", "--endpoint-name", good, "--endpoint-type", "webhook",
            "--url", f"https://localhost:{receiver.port}/in", "--webhook-ca-file", node.ca_path)
    routing(node, "endpoint", "create", "--endpoint-name", bad, "--endpoint-type", "webhook",
            "--url", f"https://127.0.0.2:{receiver.port}/in", "--webhook-ca-file", node.ca_path, "--max-delivery-attempts", "1")
    for name in (good, bad):
        routing(node, "route", "create", "--route-name", name, "--endpoint-name", name,
                "--condition", f"$connectionDeviceId = '{unique_id}'")
    try:
        client = client_for(node, device, unique_id)
        client.send_message("over tls")
        client.shutdown()
        assert receiver.wait_for(unique_id, 1) == ["over tls"]
        letters = []
        deadline = time.monotonic() + 30
        while not letters and time.monotonic() < deadline:
            letters = read(node, unique_id, "--endpoint", bad, "--dead-letter")
        assert [e["body"] for e in letters] == ["over tls"]
        reason = letters[0]["applicationProperties"]["deadLetterReason"]
        assert "certificate verify failed" in reason or "tls" in reason.lower(), reason  # the name check, not the network
        assert len(receiver.bodies(unique_id)) == 1, "the server with the wrong name got nothing"
    finally:
        for name in (good, bad):
            routing(node, "route", "delete", "--route-name", name, check=False)
            routing(node, "endpoint", "delete", "--endpoint-name", name, check=False)
        receiver.server.shutdown()
