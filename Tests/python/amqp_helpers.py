"""A second, independent AMQP 1.0 peer for Nave's hub endpoint (issue #13): Proton's Python
binding (python-qpid-proton) driven by hand over one socket, plus a raw framer built on Proton's
codec for what a well-behaved engine refuses to send (bad frames, transfers beyond credit,
sessions beyond channel-max).

Every wait is bounded: a helper that does not see what it waits for raises `TimeoutError`.
"""
import base64
import hashlib
import hmac
import os
import pathlib
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import proton
from nave_process import free_port, stop_process, wait_for_port
from proton import Described, Endpoint, Message, symbol, ulong, uint

REPO = pathlib.Path(__file__).resolve().parents[2]
NAVE = os.environ.get("NAVE_BIN", str(REPO / ".build/debug/nave"))

# AMQP 1.0 §2.2 protocol headers: SASL (id 3) and AMQP (id 0).
SASL_HEADER = b"AMQP\x03\x01\x00\x00"
AMQP_HEADER = b"AMQP\x00\x01\x00\x00"
# Performative descriptors (AMQP 1.0 §2.7, §5.3.3).
OPEN, BEGIN, ATTACH, FLOW, TRANSFER, DISPOSITION, DETACH, END, CLOSE = range(0x10, 0x19)
SASL_MECHANISMS, SASL_INIT, SASL_CHALLENGE, SASL_RESPONSE, SASL_OUTCOME = range(0x40, 0x45)
SELECTOR = symbol("apache.org:selector-filter:string")
EPOCH = symbol("com.microsoft:epoch")
# azure-eventhub's receiver link properties (contract §6.5); a link without any is another case.
SDK_LINK_PROPERTIES = {symbol("com.microsoft:timeout"): 0}
WAIT_SECONDS = 5.0


class HubNode:
    """`nave serve` with the hub on, every listener on a free loopback port (never the fixed
    443/5671/8883: these tests run outside a network namespace), and `amqp` limits from
    `amqp_settings`."""

    def __init__(self, amqp_settings):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="nave-amqp-peer-"))
        self.data_dir = self.root / "data"
        ports = {name: free_port() for name in ("mqtt", "hubMqtt", "plainHubMqtt", "https", "amqp", "plainAmqp")}
        self.amqps_port, self.amqp_port = ports["amqp"], ports["plainAmqp"]
        self.plain_mqtt_port = ports["plainHubMqtt"]
        limits = "\n".join(f"  {key}: {value}" for key, value in amqp_settings.items())
        self.config = self.root / "nave.yaml"
        self.config.write_text(f"""\
io:
  loops: 2
mqtt:
  listeners: ["127.0.0.1:{ports['mqtt']}"]
hub:
  enabled: true
  hostName: localhost
  mqttListeners: ["127.0.0.1:{ports['hubMqtt']}"]
  plainMqttListeners: ["127.0.0.1:{ports['plainHubMqtt']}"]
  httpsListeners: ["127.0.0.1:{ports['https']}"]
  amqpListeners: ["127.0.0.1:{ports['amqp']}"]
  plainAmqpListeners: ["127.0.0.1:{ports['plainAmqp']}"]
amqp:
{limits}
""")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "AMQP_", "IO_", "MQTT_"))}
        env["ADMIN_LISTENERS"] = f"127.0.0.1:{free_port()}"  # never the fixed 9600
        self.log_path = self.root / "nave.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [NAVE, "serve", "--config", str(self.config), "--data-dir", str(self.data_dir), "--log-level", "debug"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        for port in ports.values():
            wait_for_port(port, self.process)
        self.ca = str(self.data_dir / "certs" / "ca.pem")
        fields = dict(part.split("=", 1) for part in self.cli("hub", "show-connection-string").split(";"))
        self.policy, self.key = fields["SharedAccessKeyName"], fields["SharedAccessKey"]

    def cli(self, *args):
        result = subprocess.run([NAVE, *args, "--data-dir", str(self.data_dir)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"nave {' '.join(args)}: {result.stderr}"
        return result.stdout.strip()

    def alive(self):
        return self.process.poll() is None

    def rss_kib(self):
        for line in pathlib.Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text()

    def stop(self):
        stop_process(self.process)
        self.log.close()
        if os.environ.get("NAVE_KEEP_DATA") != "1":
            shutil.rmtree(self.root, ignore_errors=True)

    # Tokens (contract §6.3 for Event Hubs audiences, §1.3 for devices).

    def eventhub_token(self, audience, key=None, ttl=3600, policy=None):
        expiry = int(time.time()) + ttl
        signed = urllib.parse.quote_plus(audience) + "\n" + str(expiry)
        sig = base64.b64encode(hmac.new((key or self.key).encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).digest()).decode()
        return (f"SharedAccessSignature sr={urllib.parse.quote_plus(audience)}&sig={urllib.parse.quote_plus(sig)}"
                f"&se={expiry}&skn={policy or self.policy}")

    def service_token(self, ttl=3600):
        """The IoT Hub service SDK's C2D token (contract §5.2): sr = the raw host name, signed
        with the base64-decoded key; put on $cbs with the audience https://localhost."""
        expiry = int(time.time()) + ttl
        sig = base64.b64encode(hmac.new(base64.b64decode(self.key), f"localhost\n{expiry}".encode(), hashlib.sha256).digest()).decode()
        return f"SharedAccessSignature sr=localhost&sig={urllib.parse.quote(sig)}&se={expiry}&skn={self.policy}"

    @staticmethod
    def device_token(device_id, key, ttl=3600):
        resource = f"localhost/devices/{device_id}"
        expiry = int(time.time()) + ttl
        signed = urllib.parse.quote(resource, safe="") + "\n" + str(expiry)
        sig = base64.b64encode(hmac.new(base64.b64decode(key), signed.encode(), hashlib.sha256).digest()).decode()
        return (f"SharedAccessSignature sr={urllib.parse.quote(resource, safe='')}"
                f"&sig={urllib.parse.quote(sig, safe='')}&se={expiry}")


# ---------------------------------------------------------------------------------------------
# Proton's engine over a socket


class Peer:
    """One AMQP connection through Proton-C (the Python binding), pumped by hand.

    mechs: the SASL mechanisms this side allows (None: no SASL layer at all, so the bare AMQP
    header goes first). user/password: a PLAIN login. ca: TLS with this CA, SNI localhost.
    max_frame: the max-frame-size announced in open.
    """

    def __init__(self, port, *, mechs="ANONYMOUS", user=None, password=None, ca=None, open=True, rcvbuf=None,
                 max_frame=1 << 20):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(WAIT_SECONDS)
        self.sock.connect(("127.0.0.1", port))
        self.sock.setblocking(False)
        self.connection = proton.Connection()
        self.connection.container = f"nave-peer-{uuid.uuid4()}"
        self.connection.hostname = "localhost"
        self.transport = proton.Transport()
        # azure-eventhub announces 1 MiB (contract §6.2); Proton's own default is 32 KiB.
        self.transport.max_frame_size = max_frame
        if mechs is not None:
            sasl = self.transport.sasl()
            sasl.allowed_mechs(mechs)
            sasl.allow_insecure_mechs = True
            if user is not None:
                self.connection.user = user
                self.connection.password = password
        if ca:
            domain = proton.SSLDomain(proton.SSLDomain.MODE_CLIENT)
            domain.set_trusted_ca_db(ca)
            domain.set_peer_authentication(proton.SSLDomain.VERIFY_PEER_NAME)
            proton.SSL(self.transport, domain).peer_hostname = "localhost"
        self.collector = proton.Collector()
        self.connection.collect(self.collector)
        self.transport.bind(self.connection)
        self.session = None
        self.eof = False
        self.reading = True
        self.inbox = {}  # receiver link name → [Message]
        self.delivery_bytes = {}  # receiver link name → [bytes of each delivery]
        self.outcomes = {}  # receiver link name → the outcome its deliveries get (default: settled as is)
        self.next_message_id = 0
        if open:
            self.connection.open()

    # Pumping

    def pump(self, timeout=0.02):
        """Moves Proton's output to the socket, waits up to `timeout` for input, feeds it in."""
        while True:
            pending = self.transport.pending()
            if pending <= 0:
                break
            try:
                sent = self.sock.send(self.transport.peek(pending))
            except BlockingIOError:
                break
            except OSError:
                self.transport.close_head()
                break
            self.transport.pop(sent)
        if self.reading and not self.eof:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if ready:
                try:
                    data = self.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    data = b""
                if data == b"":
                    self.eof = True
                    self.transport.close_tail()
                elif data:
                    self._push(data)
        elif timeout:
            time.sleep(timeout)
        self._drain_events()

    def _push(self, data):
        while data:
            capacity = self.transport.capacity()
            if capacity < 0:  # Proton's input side closed (an error): the rest is ignored
                return
            if capacity == 0:
                self._drain_events()
                continue
            self.transport.push(data[:capacity])
            data = data[capacity:]

    def _drain_events(self):
        while (event := self.collector.peek()) is not None:
            if event.type == proton.Event.DELIVERY:
                self._delivery(event.delivery)
            self.collector.pop()

    def _delivery(self, delivery):
        link = delivery.link
        if not link.is_receiver or not delivery.readable or delivery.partial:
            return
        data = link.recv(delivery.pending)
        message = Message()
        message.decode(data)
        link.advance()
        if link.name in self.outcomes:
            delivery.update(self.outcomes[link.name])
        delivery.settle()
        self.inbox.setdefault(link.name, []).append(message)
        self.delivery_bytes.setdefault(link.name, []).append(len(data))

    def wait(self, condition, what, seconds=WAIT_SECONDS):
        deadline = time.monotonic() + seconds
        while True:
            self.pump()
            if condition():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {seconds}s for {what}")

    # State

    @property
    def closed_by_peer(self):
        return bool(self.connection.state & Endpoint.REMOTE_CLOSED)

    def is_open(self):
        return bool(self.connection.state & Endpoint.REMOTE_ACTIVE)

    def wait_open(self):
        self.wait(lambda: self.is_open() or self.eof or self.closed_by_peer, "the server's open")
        assert self.is_open(), f"not opened: {self.error()}"

    def error(self):
        """The error the server gave: its close's condition, or the transport's (SASL, TLS)."""
        condition = self.connection.remote_condition or self.transport.condition
        return (condition.name, condition.description) if condition else None

    def wait_ended(self, what="the connection to end", seconds=WAIT_SECONDS):
        """Waits until the server closed the connection (an AMQP close or EOF)."""
        self.wait(lambda: self.eof or self.closed_by_peer, what, seconds)

    # Sessions and links

    def begin(self):
        if self.session is None:
            self.session = self.connection.session()
            self.session.open()
        return self.session

    def receiver(self, address, *, name=None, selector=None, epoch=None, credit=0, session=None,
                 properties=SDK_LINK_PROPERTIES):
        link = (session or self.begin()).receiver(name or f"receiver-{uuid.uuid4()}")
        link.source.address = address
        link.target.address = f"receiver-link-{uuid.uuid4()}"
        if selector is not None:
            link.source.filter.put_dict({SELECTOR: Described(SELECTOR, selector)})
        if properties is not None or epoch is not None:
            link.properties = dict(properties or {})
            if epoch is not None:
                link.properties[EPOCH] = epoch
        link.open()
        if credit:
            link.flow(credit)
        return link

    def sender(self, address, *, name=None, session=None):
        link = (session or self.begin()).sender(name or f"sender-{uuid.uuid4()}")
        link.source.address = self.connection.container
        link.target.address = address
        link.open()
        return link

    def wait_attached(self, link):
        """Waits for the server's attach; returns its detach condition if it detached at once."""
        self.wait(lambda: link.state & (Endpoint.REMOTE_ACTIVE | Endpoint.REMOTE_CLOSED) or self.eof,
                  f"the attach of {link.name}")
        self.pump(0.05)  # a refusal's detach follows its attach in the same burst
        return self.detach_condition(link)

    def wait_detached(self, link, seconds=WAIT_SECONDS):
        self.wait(lambda: link.state & Endpoint.REMOTE_CLOSED or self.eof or self.closed_by_peer,
                  f"the detach of {link.name}", seconds)
        return self.detach_condition(link)

    @staticmethod
    def detach_condition(link):
        if not link.state & Endpoint.REMOTE_CLOSED:
            return None
        condition = link.remote_condition
        return condition.name if condition else "(no error)"

    # Request/response nodes ($cbs, $management)

    def request_pair(self, node):
        if not hasattr(self, "_pairs"):
            self._pairs = {}
        if node not in self._pairs:
            replies = self.receiver(node, credit=100)
            requests = self.sender(node)
            self.wait(lambda: requests.credit > 0 or self.eof or requests.state & Endpoint.REMOTE_CLOSED,
                      f"credit on {node}")
            assert requests.credit > 0, f"{node}: no credit ({self.detach_condition(requests)}, {self.error()})"
            self._pairs[node] = (requests, replies)
        return self._pairs[node]

    def request(self, node, properties, body=None):
        """Sends one request to `node`; returns the response message (matched by correlation-id)."""
        requests, replies = self.request_pair(node)
        message_id = ulong(self.next_message_id)
        self.next_message_id += 1
        request = Message(id=message_id, properties=properties, body=body)
        delivery = requests.send(request)
        inbox = self.inbox.setdefault(replies.name, [])
        found = []

        def answered():
            found[:] = [m for m in inbox if m.correlation_id == message_id]
            return bool(found)

        self.wait(answered, f"the {node} response")
        assert delivery.remote_state == proton.Delivery.ACCEPTED and delivery.settled, "request settled first"
        delivery.settle()
        return found[0]

    def put_token(self, audience, token):
        response = self.request("$cbs", {"name": audience, "operation": "put-token",
                                         "type": "servicebus.windows.net:sastoken"}, token)
        return response.properties["status-code"], response.properties.get("status-description")

    def management_read(self, token=None, partition=None):
        properties = {"name": "localhost", "operation": "READ",
                      "type": "com.microsoft:partition" if partition is not None else "com.microsoft:eventhub"}
        if partition is not None:
            properties["partition"] = partition
        if token:
            properties["security_token"] = token
        response = self.request("$management", properties)
        return response.properties["status-code"], response.body

    def close(self):
        try:
            if not self.eof and not self.closed_by_peer:
                self.connection.close()
                # Until the server's close: what the connection held is released by then.
                deadline = time.monotonic() + 1
                while time.monotonic() < deadline and not (self.closed_by_peer or self.eof):
                    self.pump(0.01)
        finally:
            self.sock.close()


# ---------------------------------------------------------------------------------------------
# Raw frames (AMQP 1.0 §2.3), encoded and decoded with Proton's codec


def encode(value):
    data = proton.Data()
    data.put_object(value)
    return data.encode()


def performative(code, *fields):
    return encode(Described(ulong(code), list(fields)))


def frame(body, channel=0, kind=0):
    """An AMQP (kind 0) or SASL (kind 1) frame: size, doff 2, type, channel, body."""
    return struct.pack(">IBBH", 8 + len(body), 2, kind, channel) + body


def parse_frames(data):
    """(channel, descriptor code, fields, payload) for each whole frame in `data` after its
    protocol header(s); empty frames are (channel, None, None, b"")."""
    frames = []
    while data.startswith(b"AMQP"):
        data = data[8:]
    while len(data) >= 8:
        size, doff, _, channel = struct.unpack(">IBBH", data[:8])
        if size < 8 or len(data) < size:
            break
        body = data[doff * 4:size]
        data = data[size:]
        if data.startswith(b"AMQP"):  # the AMQP header after the SASL outcome
            data = data[8:]
        if not body:
            frames.append((channel, None, None, b""))
            continue
        decoder = proton.Data()
        used = decoder.decode(body)
        decoder.rewind()
        decoder.next()
        described = decoder.get_object()
        frames.append((channel, int(described.descriptor), described.value, body[used:]))
    return frames


def error_of(fields):
    """(condition, description) of a close/detach/end's error field, or None."""
    error = fields[-1] if fields else None
    if isinstance(error, Described):
        values = list(error.value) + [None, None]
        return str(values[0]), values[1]
    return None


class RawPeer:
    """A socket and the bytes the server wrote to it, framed on demand."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS)
        self.received = b""
        self.eof = False
        self.started = time.monotonic()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed first: what it said is in `received`

    def read_some(self, timeout=0.05):
        if self.eof:
            return
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if chunk:
            self.received += chunk
        else:
            self.eof = True

    def frames(self):
        return parse_frames(self.received)

    def wait_for(self, code, seconds=WAIT_SECONDS, channel=None):
        """The first frame with descriptor `code` (and `channel`), waiting up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            for f in self.frames():
                if f[1] == code and (channel is None or f[0] == channel):
                    return f
            if self.eof or time.monotonic() > deadline:
                raise TimeoutError(f"no frame 0x{code:02x}; got {[hex(f[1] or 0) for f in self.frames()]}, eof={self.eof}")
            self.read_some()

    def wait_eof(self, seconds=WAIT_SECONDS):
        """Reads until the server closes the socket; returns the seconds it took from connect."""
        deadline = time.monotonic() + seconds
        while not self.eof:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server kept the connection open for {seconds}s")
            self.read_some(0.1)
        return time.monotonic() - self.started

    def close_error(self):
        """The condition of the server's AMQP close, if it sent one."""
        for channel, code, fields, _ in self.frames():
            if code == CLOSE:
                return error_of(fields) or ("(no error)", None)
        return None

    # Handshake

    def sasl(self, mechanism="ANONYMOUS", initial_response=None):
        """Runs SASL with `mechanism`; returns the outcome code (0 ok, 1 auth)."""
        self.send(SASL_HEADER)
        self.wait_for(SASL_MECHANISMS)
        self.send(frame(performative(SASL_INIT, symbol(mechanism), initial_response, "localhost"), kind=1))
        return int(self.wait_for(SASL_OUTCOME)[2][0])

    def open(self, mechanism="ANONYMOUS", initial_response=None, frame_size=65536):
        """SASL, the AMQP header and open; returns the server's open fields."""
        assert self.sasl(mechanism, initial_response) == 0
        self.send(AMQP_HEADER)
        self.send(frame(performative(OPEN, f"raw-{uuid.uuid4()}", "localhost", uint(frame_size), proton.ushort(15))))
        return self.wait_for(OPEN)[2]

    def begin(self, channel=0):
        self.send(frame(performative(BEGIN, None, uint(0), uint(1 << 20), uint(1 << 20), uint(1024)), channel))
        return self.wait_for(BEGIN, channel=channel)

    def attach(self, name, handle, role_receiver, address, channel=0):
        """Attaches a link; the node address is the source of a receiver, the target of a sender."""
        source = Described(ulong(0x28), [address if role_receiver else "raw-source"])
        target = Described(ulong(0x29), ["raw-target" if role_receiver else address])
        self.send(frame(performative(ATTACH, name, uint(handle), role_receiver, proton.ubyte(0), proton.ubyte(0),
                                     source, target, None, None, None if role_receiver else uint(0)), channel))

    def flow(self, handle, credit, delivery_count=0, channel=0):
        self.send(frame(performative(FLOW, uint(0), uint(1 << 20), uint(0), uint(1 << 20), uint(handle),
                                     uint(delivery_count), uint(credit)), channel))

    def server_handle(self, name):
        """The handle the server chose for link `name` (its own, from its attach), or None."""
        for _, code, fields, _ in self.frames():
            if code == ATTACH and fields[0] == name:
                return int(fields[1])
        return None

    def link_frames(self, code, name):
        """Frames `code` (attach, flow, transfer, detach) the server sent on link `name`."""
        handle = self.server_handle(name)
        if handle is None:
            return []
        index = {ATTACH: 1, FLOW: 4, TRANSFER: 0, DETACH: 0}[code]
        return [f for f in self.frames() if f[1] == code and f[2][index] is not None and int(f[2][index]) == handle]

    def wait_link(self, code, name, seconds=WAIT_SECONDS):
        deadline = time.monotonic() + seconds
        while not (found := self.link_frames(code, name)):
            if self.eof or time.monotonic() > deadline:
                raise TimeoutError(f"no frame 0x{code:02x} on link {name}; eof={self.eof}")
            self.read_some()
        return found[0]

    def put_token(self, audience, token, request_handle=0, reply_handle=1):
        """A put-token over raw frames: the $cbs link pair, the request, its response."""
        self.attach("cbs-replies", reply_handle, True, "$cbs")
        self.flow(reply_handle, 10)
        self.attach("cbs-requests", request_handle, False, "$cbs")
        self.wait_link(FLOW, "cbs-requests")
        request = Message(id=ulong(1), properties={"name": audience, "operation": "put-token",
                                                   "type": "servicebus.windows.net:sastoken"}, body=token)
        self.transfer(request_handle, 0, request.encode())
        response = Message()
        response.decode(self.wait_link(TRANSFER, "cbs-replies")[3])
        return response.properties["status-code"]

    def transfer(self, handle, delivery_id, payload, channel=0, settled=False, more=False):
        tag = struct.pack(">Q", delivery_id)
        self.send(frame(performative(TRANSFER, uint(handle), uint(delivery_id), tag, uint(0), settled, more)
                        + payload, channel))

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------------------------------------
# Events: a device publishes telemetry over the hub's plain MQTT listener


def partition_sizes(node):
    """last_enqueued_sequence_number of every partition, read through $management."""
    peer = Peer(node.amqp_port)
    try:
        peer.wait_open()
        audience = "sb://localhost/localhost"
        assert peer.put_token(audience, node.eventhub_token(audience))[0] == 202
        count = len(list(peer.management_read()[1]["partition_ids"]))
        return [int(peer.management_read(partition=str(p))[1]["last_enqueued_sequence_number"]) for p in range(count)]
    finally:
        peer.close()


def send_events(node, device_id, count, size):
    """Registers `device_id`, publishes `count` events of `size` bytes (QoS 1, each acknowledged)
    and returns (partition, first sequence number) of where they landed."""
    import paho.mqtt.client as mqtt

    before = partition_sizes(node)
    node.cli("device", "create", "--device-id", device_id)
    fields = dict(part.split("=", 1) for part in node.cli("device", "show-connection-string", "--device-id", device_id).split(";"))
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device_id, protocol=mqtt.MQTTv311)
    client.username_pw_set(f"localhost/{device_id}/?api-version=2021-04-12", node.device_token(device_id, fields["SharedAccessKey"]))
    client.connect("127.0.0.1", node.plain_mqtt_port)
    client.loop_start()
    try:
        sent = [client.publish(f"devices/{device_id}/messages/events/", bytes([65 + i % 26]) * size, qos=1) for i in range(count)]
        for info in sent:
            info.wait_for_publish(WAIT_SECONDS)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()
    after = partition_sizes(node)
    # The device's lifecycle and connection events may land there too (hence "at least").
    grown = [p for p in range(len(after)) if after[p] - before[p] >= count]
    assert len(grown) == 1, f"events landed in one partition: {before} → {after}"
    return grown[0], before[grown[0]] + 1


def telemetry(messages):
    """The device telemetry among events read (not lifecycle or connection events)."""
    return [m for m in messages if m.annotations.get(symbol("iothub-message-source")) == "Telemetry"]
