"""The general broker's password file, ACL and SIGHUP reload, against `nave serve` as a user runs
it: `mosquitto_passwd` writes the password file, CONNECTs are encoded here byte by byte (an
encoder independent of Nave's) so the exact CONNACK code is checked, and paho holds a
connection open across the reload."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import Broker
from mqtt_helpers import Client, mqtt_string

pytestmark = pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto_passwd not installed")


def connack_code(port, client_id, username=None, password=None):
    """Sends one MQTT 3.1.1 CONNECT and returns the CONNACK's return code (§3.2.2.3)."""
    flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    body = mqtt_string("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + mqtt_string(client_id)
    if username is not None:
        body += mqtt_string(username)
    if password is not None:
        body += mqtt_string(password)
    assert len(body) < 128
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(bytes([0x10, len(body)]) + body)
        reply = b""
        while len(reply) < 4:
            chunk = s.recv(4 - len(reply))
            assert chunk, "closed before CONNACK"
            reply += chunk
    assert reply[:2] == b"\x20\x02"
    return reply[3]


def mosquitto_passwd(path, user, password, create=False):
    subprocess.run(["mosquitto_passwd"] + (["-c"] if create else []) + ["-b", path, user, password], check=True)


@pytest.fixture
def files():
    folder = tempfile.mkdtemp(prefix="nave-security-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_connack_codes_match_mosquitto(files):
    passwd = os.path.join(files, "passwd")
    mosquitto_passwd(passwd, "alice", "secret", create=True)
    broker = Broker(extra_env={"MQTT_PASSWORD_FILE": passwd})
    try:
        assert connack_code(broker.port, "c1", "alice", "secret") == 0
        assert connack_code(broker.port, "c2", "alice", "wrong") == 5
        assert connack_code(broker.port, "c3", "alice") == 5
        assert connack_code(broker.port, "c4", "alice", "") == 5
        assert connack_code(broker.port, "c5", "mallory", "secret") == 5
        assert connack_code(broker.port, "c6") == 5
        log = broker.log_text()
        assert "password check: wrong password" in log and "anonymous clients are not allowed" in log
        assert "secret" not in log and "$7$" not in log
    finally:
        broker.stop()


def test_sighup_reloads_files_and_keeps_connections(files):
    passwd = os.path.join(files, "passwd")
    acl = os.path.join(files, "acl")
    mosquitto_passwd(passwd, "alice", "secret", create=True)
    with open(acl, "w") as f:
        f.write("user alice\ntopic readwrite room/#\n")
    broker = Broker(extra_env={"MQTT_PASSWORD_FILE": passwd, "MQTT_ACL_FILE": acl})
    try:
        held = Client(broker.port, client_id="held", connect=False)
        held.client.username_pw_set("alice", "secret")
        held.connect()
        assert held.subscribe("room/#", qos=1) == [mqtt_reason(1)]
        publisher = Client(broker.port, client_id="pub", connect=False)
        publisher.client.username_pw_set("alice", "secret")
        publisher.connect()

        # bob appears and may write room/#, alice's password changes, and alice may no longer
        # write or read room/secret.
        mosquitto_passwd(passwd, "bob", "builder")
        mosquitto_passwd(passwd, "alice", "changed")
        with open(acl, "w") as f:
            f.write("user alice\ntopic readwrite room/#\ntopic deny room/secret\nuser bob\ntopic write room/#\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_for(lambda: broker.log_text().count("reloaded") >= 2)

        assert connack_code(broker.port, "bob-1", "bob", "builder") == 0
        assert connack_code(broker.port, "alice-old", "alice", "secret") == 5
        assert connack_code(broker.port, "alice-new", "alice", "changed") == 0
        # The connections made before the reload are still up, under the new ACL: alice's
        # publish to room/secret is dropped (write), bob's is not delivered to alice (read).
        publisher.publish("room/secret", b"hidden", qos=1)
        bob = Client(broker.port, client_id="bob", connect=False)
        bob.client.username_pw_set("bob", "builder")
        bob.connect()
        bob.publish("room/secret", b"hidden from alice", qos=1)
        publisher.publish("room/open", b"seen", qos=1)
        got = held.receive(1)
        assert (got[0].topic, got[0].payload) == ("room/open", b"seen")
        held.nothing_more()

        # A file that does not parse is refused; the one in force stays.
        with open(passwd, "w") as f:
            f.write("alice:$7$not-a-hash\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "password file not reloaded" in broker.log_text())
        assert connack_code(broker.port, "bob-2", "bob", "builder") == 0
        assert broker.process.poll() is None
    finally:
        broker.stop()


def test_missing_password_file_stops_the_node(files):
    binary = os.environ.get("NAVE_BIN", str(Broker.__init__.__globals__["REPO"] / ".build/debug/nave"))
    missing = os.path.join(files, "missing")
    env = dict(os.environ, HUB_ENABLED="false", MQTT_PASSWORD_FILE=missing, ADMIN_LISTENERS="")
    run = subprocess.run([binary, "serve", "--port", "0", "--data-dir", os.path.join(files, "data")],
                         env=env, capture_output=True, text=True, timeout=20)
    assert run.returncode != 0
    assert f"mqtt.passwordFile {missing}: cannot be read" in run.stderr


def mqtt_reason(qos):
    import paho.mqtt.reasoncodes as rc
    from paho.mqtt.packettypes import PacketTypes
    return rc.ReasonCode(PacketTypes.SUBACK, identifier=qos)


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
