"""Device-side helpers for the tests: raw paho clients (to send what the SDK refuses to build,
such as an expired token), SAS tokens signed as the SDK signs them, X.509 test certificates."""
import base64
import hashlib
import hmac
import ssl
import subprocess
import threading
import time
import urllib.parse

import paho.mqtt.client as mqtt


def device_sas(host, device_id, key, expiry, module_id=None):
    """A device SAS token exactly as azure-iot-device builds it (contract §1.3)."""
    uri = f"{host}/devices/{device_id}" + (f"/modules/{module_id}" if module_id else "")
    encoded = urllib.parse.quote(uri, safe="")
    signature = base64.b64encode(hmac.new(base64.b64decode(key), f"{encoded}\n{expiry}".encode(), hashlib.sha256).digest())
    return f"SharedAccessSignature sr={encoded}&sig={urllib.parse.quote(signature, safe='')}&se={expiry}"


def username(host, client_id):
    return f"{host}/{client_id}/?api-version=2019-10-01&DeviceClientType=nave-tests"


class RawDevice:
    """A paho 1.6.1 client on 8883 that records CONNACK and disconnects."""

    def __init__(self, ca_path, client_id, user, password=None, cert=None):
        self.connack = None
        self.connected = threading.Event()
        self.answered = threading.Event()
        self.disconnected = threading.Event()
        self.client = mqtt.Client(client_id=client_id, clean_session=False, protocol=mqtt.MQTTv311)
        context = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
        context.verify_mode = ssl.CERT_REQUIRED
        context.check_hostname = True
        context.load_verify_locations(cafile=ca_path)
        if cert:
            context.load_cert_chain(*cert)
        self.client.tls_set_context(context)
        self.client.username_pw_set(user, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.disconnected.set()

    def _on_connect(self, _client, _userdata, _flags, rc):
        self.connack = rc
        if rc == 0:
            self.connected.set()
        self.answered.set()

    def connect(self, timeout=10):
        self.client.connect("localhost", 8883, keepalive=60)
        self.client.loop_start()
        assert self.answered.wait(timeout), "no CONNACK"
        return self.connack

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def make_certificate(directory, common_name):
    """A self-signed ECDSA P-256 client certificate; returns (cert, key, sha1, sha256)."""
    cert, key = f"{directory}/{common_name}.pem", f"{directory}/{common_name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", f"/CN={common_name[-60:]}", "-days", "2", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=30)
    der = ssl.PEM_cert_to_DER_cert(open(cert).read())
    return cert, key, hashlib.sha1(der).hexdigest().upper(), hashlib.sha256(der).hexdigest().upper()


def wait_until(predicate, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class DesiredPatches:
    """Records the desired-properties patches an azure-iot-device client receives (its
    `on_twin_desired_properties_patch_received` handler); `arrived` is set at the first."""

    def __init__(self, client):
        self.patches = []
        self.arrived = threading.Event()
        client.on_twin_desired_properties_patch_received = self._received

    def _received(self, patch):
        self.patches.append(patch)
        self.arrived.set()
