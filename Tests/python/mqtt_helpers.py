"""Small synchronous helpers over paho-mqtt for the broker tests: every wait polls with a deadline."""
import queue
import socket
import struct
import time

import paho.mqtt.client as mqtt

DEADLINE_S = 5.0


class Client:
    """A paho client that records what it receives and waits with deadlines."""

    def __init__(self, port, client_id="", clean_session=True, keepalive=60, will=None, connect=True):
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.disconnects = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=clean_session, protocol=mqtt.MQTTv311)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put((f.session_present, rc))
        self.client.on_disconnect = lambda c, u, f, rc, p: self.disconnects.put(rc)
        if will:
            self.client.will_set(*will)
        self.port = port
        self.keepalive = keepalive
        if connect:
            self.connect()

    def connect(self):
        self.client.connect("127.0.0.1", self.port, keepalive=self.keepalive)
        self.client.loop_start()
        self.session_present, rc = self.connack.get(timeout=DEADLINE_S)
        assert rc == 0, f"CONNACK {rc}"
        return self.session_present

    def subscribe(self, topic, qos=0):
        granted = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, p: granted.put(codes)
        self.client.subscribe(topic, qos)
        return granted.get(timeout=DEADLINE_S)

    def publish(self, topic, payload, qos=0, retain=False):
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout=DEADLINE_S)
        assert info.is_published()

    def receive(self, count=1, timeout=DEADLINE_S):
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"received {len(got)} of {count}"
            got.append(self.messages.get(timeout=remaining))
        return got

    def nothing_more(self, wait=0.3):
        try:
            m = self.messages.get(timeout=wait)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected message on {m.topic}")

    def close(self, clean=True):
        if clean:
            self.client.disconnect()
            self.client.loop_stop()
        else:
            # Simulate a crash: stop the network thread first (it would reconnect), then drop
            # the socket without DISCONNECT.
            sock = self.client.socket()
            self.client.loop_stop()
            if sock:
                sock.close()


def raw_socket(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S)
    return s


def connect_packet(client_id, clean=True, keepalive=60):
    cid = client_id.encode()
    variable = b"\x00\x04MQTT\x04" + bytes([0x02 if clean else 0x00]) + struct.pack("!H", keepalive)
    payload = struct.pack("!H", len(cid)) + cid
    body = variable + payload
    return bytes([0x10, len(body)]) + body


def wait_closed(sock, timeout=DEADLINE_S):
    """Reads until EOF or reset; returns everything read. Fails if the socket stays open."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data


# An independent MQTT 3.1.1 encoder for hand-made packets (§2.2.3, §1.5.3).

def varint(n):
    """A remaining length (§2.2.3): 7 bits a byte, the high bit set on all but the last."""
    out = b""
    while True:
        byte, n = n % 128, n // 128
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def mqtt_string(data):
    """An MQTT string (2-byte length + bytes); str is UTF-8 encoded (lone surrogates kept)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return struct.pack("!H", len(data)) + data


def packet(first_byte, body):
    return bytes([first_byte]) + varint(len(body)) + body


def publish_packet(topic, payload):
    """A QoS 0 PUBLISH of `payload` to `topic`."""
    return packet(0x30, mqtt_string(topic) + payload)
