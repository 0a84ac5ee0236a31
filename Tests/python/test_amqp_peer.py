"""Malformed and edge cases against the hub's AMQP 1.0 endpoint (issue #13), from a second,
independent peer: Proton's Python binding for the protocol cases, raw frames encoded with
Proton's codec for what a well-behaved engine will not send.

Each case gets an AMQP error or a closed connection, never a crash or a hang; after each, a
fresh well-behaved client is still served and the node is still running (`served_afterwards`).
Server bugs found here were `xfail(strict=True)` with the reason until fixed; none is left.

The node: `nave serve` with the hub on, every listener on a free loopback port (not the fixed
443/5671/8883), amqp.openTimeoutMillis lowered to keep the idle case short.
"""
import socket
import ssl
import struct
import time

import proton
import pytest
from proton import Endpoint, Message, symbol, ulong, uint

from amqp_helpers import (AMQP_HEADER, ATTACH, BEGIN, CLOSE, DISPOSITION, OPEN, SASL_HEADER, SASL_MECHANISMS,
                          TRANSFER, HubNode, Peer, RawPeer, error_of, frame, parse_frames,
                          performative, send_events, telemetry)

OPEN_TIMEOUT_SECONDS = 1.0
AUDIENCE = "sb://localhost/localhost"
LATEST = "amqp.annotation.x-opt-offset > '@latest'"
FROM_START = "amqp.annotation.x-opt-offset > '-1'"
DEVICE_BOUND = "amqps://localhost/messages/devicebound"
UNKNOWN_DEVICE = "/devices/nobody-here/messages/devicebound"


def partition(p, hub="localhost", group="$Default"):
    return f"amqps://localhost/{hub}/ConsumerGroups/{group}/Partitions/{p}"


def settings(**amqp):
    return {"openTimeoutMillis": int(OPEN_TIMEOUT_SECONDS * 1000), **amqp}


@pytest.fixture(scope="module")
def node():
    hub = HubNode(settings())
    yield hub
    hub.stop()


@pytest.fixture(autouse=True)
def served_afterwards(node):
    """After every case: the node runs and a fresh client gets put-token 202 and a READ."""
    yield
    assert node.alive(), "the node is still running"
    assert_served(node)


def assert_served(hub, port=None, ca=None):
    peer = Peer(port or hub.amqp_port, ca=ca)
    try:
        peer.wait_open()
        assert peer.put_token(AUDIENCE, hub.eventhub_token(AUDIENCE)) == (202, "Accepted")
        status, body = peer.management_read()
        assert status == 200 and list(body["partition_ids"]) == ["0", "1", "2", "3"]
    finally:
        peer.close()


def authorised_peer(hub, **kwargs):
    peer = Peer(hub.amqp_port, **kwargs)
    peer.wait_open()
    assert peer.put_token(AUDIENCE, hub.eventhub_token(AUDIENCE))[0] == 202
    return peer


def c2d(body=b"hi", to=UNKNOWN_DEVICE):
    message = Message(body=body)
    message.address = to
    return message


# ---------------------------------------------------------------------------------------------
# Protocol headers and SASL (AMQP 1.0 §2.2, §5.3)


def test_bare_amqp_header_without_sasl_is_an_error_not_a_hang(node):
    # Proton's server with authentication required (pn_transport_require_auth) drops a client
    # that skips SASL: it writes nothing (no header, no close) and closes its transport.
    raw = RawPeer(node.amqp_port)
    raw.send(AMQP_HEADER)
    raw.send(frame(performative(OPEN, "no-sasl", "localhost")))
    assert raw.wait_eof(OPEN_TIMEOUT_SECONDS + 2) < OPEN_TIMEOUT_SECONDS + 1.5
    assert OPEN not in [code for _, code, _, _ in raw.frames()], "never opened"
    # The same through Proton's client without a SASL layer: an error, not an open.
    peer = Peer(node.amqp_port, mechs=None)
    peer.wait_ended(seconds=OPEN_TIMEOUT_SECONDS + 2)
    assert not peer.is_open() and peer.error() is not None
    peer.close()


@pytest.mark.parametrize("header", [AMQP_HEADER, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc"], ids=["amqp", "tls-record"])
def test_refused_header_is_dropped_at_once(node, header):
    raw = RawPeer(node.amqp_port)
    raw.send(header)
    assert raw.wait_eof(OPEN_TIMEOUT_SECONDS + 2) < OPEN_TIMEOUT_SECONDS / 2


def test_unknown_sasl_mechanism_gets_auth_outcome(node):
    raw = RawPeer(node.amqp_port)
    assert raw.sasl("NOT-A-MECHANISM") == 1, "sasl-outcome code auth (§5.3.3.6)"
    offered = raw.wait_for(SASL_MECHANISMS)[2][0]
    assert {str(m) for m in offered} == {"MSSBCBS", "ANONYMOUS", "PLAIN"}
    raw.wait_eof(2)


def test_plain_with_wrong_key_gets_auth_outcome(node):
    raw = RawPeer(node.amqp_port)
    assert raw.sasl("PLAIN", f"\0{node.policy}\0not-the-key".encode()) == 1
    raw.wait_eof(2)
    peer = Peer(node.amqp_port, mechs="PLAIN", user=node.policy, password="not-the-key")
    peer.wait_ended()
    assert peer.transport.sasl().outcome == proton.SASL.AUTH
    assert peer.error()[0] == "amqp:unauthorized-access" and not peer.is_open()
    peer.close()


def test_plain_with_empty_or_malformed_response_gets_auth_outcome(node):
    for response in (None, b"", b"\0", b"no-nul-at-all", b"\0\0" + node.key.encode()):
        raw = RawPeer(node.amqp_port)
        assert raw.sasl("PLAIN", response) == 1, response
        raw.wait_eof(2)


def test_plain_with_policy_key_opens(node):
    for port, ca in ((node.amqp_port, None), (node.amqps_port, node.ca)):
        peer = Peer(port, mechs="PLAIN", user=node.policy, password=node.key, ca=ca)
        peer.wait_open()
        assert peer.transport.sasl().outcome == proton.SASL.OK
        peer.close()


def test_plain_login_authorises_links_without_cbs(node):
    peer = Peer(node.amqp_port, mechs="PLAIN", user=node.policy, password=node.key)
    try:
        peer.wait_open()
        assert peer.management_read()[0] == 200
        receiver = peer.receiver(partition(0), selector=LATEST, credit=10)
        assert peer.wait_attached(receiver) is None
        sender = peer.sender(DEVICE_BOUND)
        assert peer.wait_attached(sender) is None
    finally:
        peer.close()


# ---------------------------------------------------------------------------------------------
# Bad frames (AMQP 1.0 §2.3)


def test_garbage_bytes_get_framing_error(node):
    raw = RawPeer(node.amqp_port)
    raw.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" + bytes(range(256)))
    assert raw.wait_eof(2) < 1
    condition, description = raw.close_error()
    assert condition == "amqp:connection:framing-error" and "Unknown protocol" in description


def test_frame_claiming_two_gigabytes_gets_framing_error(node):
    raw = RawPeer(node.amqp_port)
    raw.open()
    raw.send(struct.pack(">IBBH", 0x8000_0000, 2, 0, 0) + b"\0" * 64)
    assert raw.wait_eof(2) < 2
    assert raw.close_error()[0] == "amqp:connection:framing-error"
    # In the SASL layer, before any open: dropped, nothing buffered.
    raw = RawPeer(node.amqp_port)
    raw.send(SASL_HEADER + struct.pack(">IBBH", 0xFFFF_FFF0, 2, 1, 0))
    raw.wait_eof(2)


def test_frame_over_max_frame_size_gets_framing_error(node):
    raw = RawPeer(node.amqp_port)
    assert int(raw.open()[2]) == 65536, "max-frame-size announced in open (amqp.frameBytesMax)"
    raw.begin()
    raw.send(frame(b"\0\x53\x14\x45" + b"x" * 65_532))  # 65,544 bytes: 8 over
    assert raw.wait_eof(2) < 2
    assert raw.close_error()[0] == "amqp:connection:framing-error"


def test_truncated_frame_then_eof_is_closed(node):
    raw = RawPeer(node.amqp_port)
    raw.open()
    raw.send(struct.pack(">IBBH", 100, 2, 0, 0) + performative(BEGIN, None, uint(0))[:5])
    raw.sock.shutdown(socket.SHUT_WR)
    assert raw.wait_eof(2) < 1


def test_attach_on_a_channel_without_session_gets_not_allowed(node):
    raw = RawPeer(node.amqp_port)
    raw.open()
    raw.send(frame(performative(ATTACH, "orphan", uint(0), True), channel=5))
    assert raw.wait_eof(2) < 1
    assert raw.close_error() == ("amqp:not-allowed", "no such channel: 5")


MALFORMED_BODIES = {
    "undecodable": b"\xff\xff\xff\xff",
    "unknown performative": performative(0x77, "what"),
    "list shorter than its header says": b"\x00\x53\x10\xc0\x10\x05",
}


def test_malformed_performative_closes_the_connection(node):
    peers = {}
    for name, body in MALFORMED_BODIES.items():
        raw = RawPeer(node.amqp_port)
        raw.open()
        raw.send(frame(body))
        peers[name] = raw
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and not all(raw.eof for raw in peers.values()):
        for raw in peers.values():
            raw.read_some(0.02)
    assert {name: raw.eof for name, raw in peers.items()} == {name: True for name in peers}
    for raw in peers.values():
        assert raw.close_error()[0] in ("amqp:decode-error", "amqp:connection:framing-error")


def test_malformed_performatives_leave_other_connections_served(node):
    # Whatever the offender's connection does with them, everyone else is unaffected.
    for body in MALFORMED_BODIES.values():
        raw = RawPeer(node.amqp_port)
        raw.open()
        raw.send(frame(body) * 20)
        assert_served(node)
        raw.close()


def test_sessions_beyond_channel_max_get_framing_error(node):
    raw = RawPeer(node.amqp_port)
    assert int(raw.open()[3]) == 15, "channel-max announced in open (amqp.channelMax)"
    for channel in range(16):
        raw.begin(channel)
    raw.send(frame(performative(BEGIN, None, uint(0), uint(1024), uint(1024)), channel=16))
    assert raw.wait_eof(2) < 2
    condition, description = raw.close_error()
    assert condition == "amqp:connection:framing-error" and "channel 16" in description


def test_garbage_inside_tls_gets_framing_error(node):
    context = ssl.create_default_context(cafile=node.ca)
    with socket.create_connection(("127.0.0.1", node.amqps_port), timeout=5) as plain:
        with context.wrap_socket(plain, server_hostname="localhost") as tls:
            tls.sendall(b"definitely not AMQP" * 4)
            received = b""
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                try:
                    chunk = tls.recv(4096)
                except (ssl.SSLError, ConnectionResetError):
                    break
                if not chunk:
                    break
                received += chunk
            assert time.monotonic() < deadline, "closed, not left open"
    closes = [error_of(fields) for _, code, fields, _ in parse_frames(received) if code == CLOSE]
    assert closes and closes[0][0] == "amqp:connection:framing-error"


def test_idle_connection_is_closed_after_open_timeout(node):
    silent, header_only = RawPeer(node.amqp_port), RawPeer(node.amqp_port)
    header_only.send(SASL_HEADER)
    for raw in (silent, header_only):
        took = raw.wait_eof(OPEN_TIMEOUT_SECONDS + 2)
        assert OPEN_TIMEOUT_SECONDS * 0.8 < took < OPEN_TIMEOUT_SECONDS + 1
    assert silent.received == b""
    assert [code for _, code, _, _ in header_only.frames()] == [SASL_MECHANISMS]
    assert "AMQP connection closed: no open in time" in node.log_text()


# ---------------------------------------------------------------------------------------------
# Addresses and authorisation (contract §6.5)


def test_unknown_addresses_are_detached_not_found(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    for link in (peer.receiver("amqps://localhost/nothere", credit=10), peer.sender("/foo"),
                 peer.receiver("$nothing"), peer.sender("amqps://localhost/devices/d1/messages/devicebound"),
                 peer.receiver("x" * 5000)):
        assert peer.wait_attached(link) == "amqp:not-found", link.target.address
    assert peer.is_open() and not peer.closed_by_peer, "a refused link leaves the connection open"
    peer.close()


def test_partition_receiver_without_token_is_unauthorized(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    assert peer.wait_attached(peer.receiver(partition(0), selector=LATEST, credit=10)) == "amqp:unauthorized-access"
    # A token for another event hub's audience does not help either.
    assert peer.put_token("sb://localhost/otherhub", node.eventhub_token("sb://localhost/otherhub"))[0] == 401
    assert peer.wait_attached(peer.receiver(partition(0), selector=LATEST, credit=10)) == "amqp:unauthorized-access"
    peer.close()


@pytest.mark.parametrize("address", [partition(0, hub="wronghub"), partition(99), partition(0, group="nogroup")],
                         ids=["event-hub", "partition-99", "consumer-group"])
def test_partition_receiver_on_missing_entity_is_not_found(node, address):
    peer = authorised_peer(node)
    assert peer.wait_attached(peer.receiver(address, selector=LATEST, credit=10)) == "amqp:not-found"
    peer.close()


@pytest.mark.parametrize("selector", ["garbage", "amqp.annotation.x-opt-offset > -1",
                                      "amqp.annotation.x-opt-offset >> '1'", "amqp.annotation.x-opt-offset > '" + "9" * 400 + "'",
                                      "amqp.annotation.x-opt-sequence-number > 'abc'", ""])
def test_bad_selector_is_invalid_field(node, selector):
    peer = authorised_peer(node)
    assert peer.wait_attached(peer.receiver(partition(0), selector=selector, credit=10)) == "amqp:invalid-field"
    peer.close()


def test_partition_receiver_without_link_properties(node):
    hub = HubNode(settings())
    try:
        peer = authorised_peer(hub)
        receiver = peer.receiver(partition(0), selector=LATEST, credit=10, properties=None)
        peer.wait(lambda: receiver.state & (Endpoint.REMOTE_ACTIVE | Endpoint.REMOTE_CLOSED) or peer.eof, "the attach")
        assert hub.alive() and not peer.eof
        assert peer.detach_condition(receiver) is None
        peer.close()
    finally:
        hub.stop()


# ---------------------------------------------------------------------------------------------
# $cbs and $management (contract §5.2, §6.3, §6.4)


def test_put_token_answers_401_for_bad_tokens_and_202_for_a_good_one(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    bad = {
        "wrong key": node.eventhub_token(AUDIENCE, key="bm90LXRoZS1rZXk="),
        "unknown policy": node.eventhub_token(AUDIENCE, policy="nosuchpolicy"),
        "expired": node.eventhub_token(AUDIENCE, ttl=-60),
        "not a token": "Bearer abc",
        "empty": "",
        "foreign host": node.eventhub_token("sb://elsewhere/localhost"),
    }
    for name, token in bad.items():
        audience = "sb://elsewhere/localhost" if name == "foreign host" else AUDIENCE
        status, description = peer.put_token(audience, token)
        assert status == 401 and isinstance(status, int), name
        assert description, name
    status, _ = peer.put_token(AUDIENCE, node.eventhub_token(AUDIENCE))
    assert type(status) is proton.int32 and status == 202, "status-code is an AMQP int (§5.2)"
    assert peer.management_read()[0] == 200
    peer.close()


def test_put_token_with_odd_requests_gets_400(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    token = node.eventhub_token(AUDIENCE)
    odd = [({"name": AUDIENCE, "operation": "delete-token", "type": "servicebus.windows.net:sastoken"}, token),
           ({"name": AUDIENCE, "operation": "put-token", "type": "jwt"}, token),
           ({"operation": "put-token", "type": "servicebus.windows.net:sastoken"}, token),
           ({"name": AUDIENCE, "operation": "put-token", "type": "servicebus.windows.net:sastoken"}, b"binary body")]
    for properties, body in odd:
        response = peer.request("$cbs", properties, body)
        assert response.properties["status-code"] == 400, properties
    peer.close()


def test_management_over_tls(node):
    assert_served(node, port=node.amqps_port, ca=node.ca)
    peer = authorised_peer(node)
    assert peer.management_read(partition="7")[0] == 404
    assert peer.request("$management", {"name": "localhost", "operation": "READ", "type": "x"}).properties["status-code"] == 400
    peer.close()


# ---------------------------------------------------------------------------------------------
# Credit (AMQP 1.0 §2.6.7) and limits


def settled_ids(raw):
    """Delivery ids the server settled by disposition (role receiver)."""
    ids = set()
    for _, code, fields, _ in raw.frames():
        if code == DISPOSITION and fields[0] is True and fields[3]:
            last = fields[2] if fields[2] is not None else fields[1]
            ids.update(range(int(fields[1]), int(last) + 1))
    return ids


def blast(raw, handle, payload, count):
    """`count` unsettled transfers in one write, regardless of the credit granted."""
    raw.send(b"".join(frame(performative(TRANSFER, uint(handle), uint(i), struct.pack(">Q", i), uint(0), False, False) + payload)
                      for i in range(count)))


def wait_settled(raw, count, seconds=5):
    deadline = time.monotonic() + seconds
    while len(settled_ids(raw) & set(range(count))) < count and not raw.eof and time.monotonic() < deadline:
        raw.read_some()
    return settled_ids(raw) & set(range(count))


def test_transfers_beyond_credit_on_cbs_are_all_settled(node):
    raw = RawPeer(node.amqp_port)
    raw.open()
    raw.begin()
    raw.attach("cbs-requests", 0, False, "$cbs")
    assert int(raw.wait_link(0x13, "cbs-requests")[2][6]) == 100, "amqp.receiveCredit"
    request = Message(id=ulong(1), properties={"name": AUDIENCE, "operation": "put-token",
                                               "type": "servicebus.windows.net:sastoken"}, body="SharedAccessSignature sr=x&sig=y&se=1&skn=iothubowner")
    blast(raw, 0, request.encode(), 500)  # five times the credit, and no link for the responses
    assert len(wait_settled(raw, 500)) == 500 and not raw.eof
    raw.close()


def test_transfers_beyond_credit_on_devicebound_are_all_settled(node):
    raw = RawPeer(node.amqp_port)
    raw.open()
    raw.begin()
    assert raw.put_token("https://localhost", node.service_token()) == 202
    raw.attach("c2d", 2, False, DEVICE_BOUND)
    raw.wait_link(0x13, "c2d")
    # Delivery ids continue after the put-token's (0).
    raw.send(b"".join(frame(performative(TRANSFER, uint(2), uint(i), struct.pack(">Q", i), uint(0), False, False) + c2d().encode())
                      for i in range(1, 501)))
    deadline = time.monotonic() + 5
    while len(settled_ids(raw) & set(range(1, 501))) < 500 and not raw.eof and time.monotonic() < deadline:
        raw.read_some()
    assert len(settled_ids(raw) & set(range(1, 501))) == 500 and not raw.eof
    raw.close()


def test_responses_without_credit_detach_the_reply_link(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    replies, requests = peer.receiver("$cbs", credit=0), peer.sender("$cbs")
    token = node.eventhub_token(AUDIENCE)
    for i in range(80):
        peer.wait(lambda: requests.credit > 0, "credit for requests")
        requests.send(Message(id=ulong(i), properties={"name": AUDIENCE, "operation": "put-token",
                                                      "type": "servicebus.windows.net:sastoken"}, body=token))
        peer.pump(0)
    assert peer.wait_detached(replies) == "amqp:resource-limit-exceeded"
    assert peer.is_open() and not peer.closed_by_peer
    peer.close()


def test_huge_credit_with_a_slow_reader(node):
    where, first = send_events(node, "slow-reader-dev", 30, 1_000)
    watcher = authorised_peer(node)
    reader = authorised_peer(node, rcvbuf=8192)
    receiver = reader.receiver(partition(where), selector=f"amqp.annotation.x-opt-sequence-number >= '{first}'",
                               credit=2**31 - 1)
    assert reader.wait_attached(receiver) is None
    reader.reading = False  # reads nothing for a second, with 2^31 - 1 credit granted
    rss_before = node.rss_kib()
    for _ in range(5):
        reader.pump(0.2)
        started = time.monotonic()
        assert watcher.management_read(partition=str(where))[0] == 200
        assert time.monotonic() - started < 1, "the node stays responsive"
    assert node.rss_kib() - rss_before < 64 * 1024
    reader.reading = True
    reader.wait(lambda: len(telemetry(reader.inbox.get(receiver.name, []))) >= 30, "the 30 events")
    events = telemetry(reader.inbox[receiver.name])
    assert [bytes(m.body)[:1] for m in events] == [bytes([65 + i]) for i in range(26)] + [b"A", b"B", b"C", b"D"]
    numbers = [int(m.annotations[symbol("x-opt-sequence-number")]) for m in events]
    assert numbers == sorted(numbers) and numbers[0] >= first
    reader.close()
    watcher.close()


def test_each_event_is_delivered_alone(node):
    where, first = send_events(node, "one-by-one-dev", 5, 10)
    reader = authorised_peer(node)
    receiver = reader.receiver(partition(where), selector=f"amqp.annotation.x-opt-sequence-number >= '{first}'", credit=100)
    assert reader.wait_attached(receiver) is None
    reader.wait(lambda: len(telemetry(reader.inbox.get(receiver.name, []))) >= 5, "the 5 events")
    sizes = [size for message, size in zip(reader.inbox[receiver.name], reader.delivery_bytes[receiver.name])
             if message in telemetry([message])]
    assert max(sizes) - min(sizes) < 64, f"equal events, equal deliveries: {sizes}"
    assert all(not m.properties for m in telemetry(reader.inbox[receiver.name])), "no application properties were sent"
    reader.close()


def test_event_frames_respect_the_client_max_frame_size(node):
    where, first = send_events(node, "frame-size-dev", 1, 40_000)
    reader = Peer(node.amqp_port, max_frame=32768)
    reader.wait_open()
    assert reader.put_token(AUDIENCE, node.eventhub_token(AUDIENCE))[0] == 202
    receiver = reader.receiver(partition(where), selector=f"amqp.annotation.x-opt-sequence-number >= '{first}'", credit=100)
    assert reader.wait_attached(receiver) is None
    reader.wait(lambda: telemetry(reader.inbox.get(receiver.name, [])) or reader.eof, "the event")
    assert not reader.eof, reader.error()
    assert len(telemetry(reader.inbox[receiver.name])[0].body) == 40_000
    reader.close()


def test_huge_credit_with_a_slow_reader_and_megabytes_queued(node):
    hub = HubNode(settings())
    try:
        where, first = send_events(hub, "slow-reader-dev", 100, 50_000)
        reader = authorised_peer(hub, rcvbuf=8192)
        receiver = reader.receiver(partition(where), selector=FROM_START, credit=2**31 - 1)
        assert reader.wait_attached(receiver) is None
        reader.reading = False
        for _ in range(5):
            reader.pump(0.2)
        assert hub.alive()
        assert_served(hub)
        reader.reading = True
        reader.wait(lambda: len(telemetry(reader.inbox.get(receiver.name, []))) >= 100 or reader.eof, "the 100 events", 8)
        assert len(telemetry(reader.inbox.get(receiver.name, []))) == 100, "paused and resumed, not cut off"
        reader.close()
    finally:
        hub.stop()


def test_events_over_64_kib_are_received(node):
    hub = HubNode(settings())
    try:
        where, first = send_events(hub, "big-events-dev", 4, 100_000)
        reader = authorised_peer(hub)
        receiver = reader.receiver(partition(where), selector=FROM_START, credit=10)
        assert reader.wait_attached(receiver) is None
        reader.wait(lambda: len(telemetry(reader.inbox.get(receiver.name, []))) >= 4 or receiver.state & Endpoint.REMOTE_CLOSED,
                    "the 4 events")
        assert reader.detach_condition(receiver) is None
        assert [len(m.body) for m in telemetry(reader.inbox[receiver.name])] == [100_000] * 4
        reader.close()
    finally:
        hub.stop()


def test_receive_credit_of_one_is_replenished(node):
    hub = HubNode(settings(receiveCredit=1))
    try:
        peer = Peer(hub.amqp_port)
        peer.wait_open()
        assert peer.put_token("https://localhost", hub.service_token())[0] == 202
        sender = peer.sender(DEVICE_BOUND)
        for i in range(3):
            peer.wait(lambda: sender.credit > 0, f"credit for send {i + 1}", 2)
            delivery = sender.send(c2d())
            peer.wait(lambda: delivery.remote_state, "its disposition", 2)
        peer.close()
    finally:
        hub.stop()


def test_links_beyond_the_limit_are_refused(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    links = [peer.sender("$cbs") for _ in range(64)]
    peer.wait(lambda: all(link.state & Endpoint.REMOTE_ACTIVE for link in links), "64 attaches")
    assert not any(peer.detach_condition(link) for link in links)
    extra = peer.sender("$cbs")
    assert peer.wait_attached(extra) == "amqp:resource-limit-exceeded"
    # Tuning/reference.yaml says "one more closes the connection"; the endpoint refuses the link.
    assert peer.is_open() and not peer.closed_by_peer
    # Freeing one makes room again.
    links[0].close()
    peer.wait(lambda: links[0].state & Endpoint.REMOTE_CLOSED, "the detach")
    again = peer.sender("$cbs")
    assert peer.wait_attached(again) is None
    peer.close()


def test_message_over_max_size_on_devicebound_is_refused(node):
    peer = Peer(node.amqp_port)
    peer.wait_open()
    assert peer.put_token("https://localhost", node.service_token())[0] == 202
    sender = peer.sender(DEVICE_BOUND)
    assert peer.wait_attached(sender) is None
    assert sender.remote_max_message_size == 1 << 20, "amqp.messageBytesMax announced in attach"
    peer.wait(lambda: sender.credit > 0, "credit")
    small = sender.send(c2d())
    peer.wait(lambda: small.remote_state, "the small message's disposition")
    assert small.remote_state == proton.Delivery.REJECTED and small.remote.condition.name == "amqp:not-found"
    sender.send(c2d(b"x" * (1100 * 1024)))
    assert peer.wait_detached(sender) == "amqp:link:message-size-exceeded"
    assert peer.is_open() and not peer.closed_by_peer, "the link goes, the connection stays"
    assert peer.management_read()[0] == 200  # the connection still answers (the service token covers the hub)
    peer.close()


# ---------------------------------------------------------------------------------------------
# Epochs (contract §6.5)


def test_epoch_receivers_take_over_and_lower_epochs_are_refused(node):
    first, second = authorised_peer(node), authorised_peer(node)
    try:
        plain = first.receiver(partition(1), selector=LATEST, credit=10)
        assert first.wait_attached(plain) is None
        low = first.receiver(partition(1), selector=LATEST, credit=10, epoch=1)
        assert first.wait_attached(low) is None
        assert first.wait_detached(plain) == "amqp:link:stolen", "an epoch receiver takes over from one without"
        high = second.receiver(partition(1), selector=LATEST, credit=10, epoch=2)
        assert second.wait_attached(high) is None
        assert first.wait_detached(low) == "amqp:link:stolen"
        assert "epoch 2" in low.remote_condition.description
        for epoch in (1, None):
            refused = first.receiver(partition(1), selector=LATEST, credit=10, epoch=epoch)
            assert first.wait_attached(refused) == "amqp:link:stolen", epoch
        same = first.receiver(partition(1), selector=LATEST, credit=10, epoch=2)
        assert first.wait_attached(same) is None, "an equal epoch takes over too"
        assert second.wait_detached(high) == "amqp:link:stolen"
        # Other partitions and consumer groups are not affected.
        other = second.receiver(partition(2), selector=LATEST, credit=10)
        assert second.wait_attached(other) is None
        assert first.is_open() and second.is_open()
    finally:
        first.close()
        second.close()
    # Closing the connections releases the partition to receivers without an epoch.
    peer = authorised_peer(node)
    assert peer.wait_attached(peer.receiver(partition(1), selector=LATEST, credit=10)) is None
    peer.close()


def receiver_with_short_token(node):
    """A partition receiver attached under a token that expires in 2 s."""
    peer = Peer(node.amqp_port)
    peer.wait_open()
    assert peer.put_token(AUDIENCE, node.eventhub_token(AUDIENCE, ttl=2))[0] == 202
    receiver = peer.receiver(partition(0), selector=FROM_START, credit=10)
    assert peer.wait_attached(receiver) is None
    return peer, receiver


def test_link_detached_when_its_token_expires(node):
    """Issue #13: a link lives as long as the token that authorised it."""
    peer, receiver = receiver_with_short_token(node)
    assert peer.wait_detached(receiver, seconds=6) == "amqp:unauthorized-access"
    assert peer.is_open(), "the connection stays; only the link goes"
    peer.close()


def test_renewed_token_keeps_the_link(node):
    peer, receiver = receiver_with_short_token(node)
    # A newer token for the same audience before the first expires, as the SDKs renew.
    assert peer.put_token(AUDIENCE, node.eventhub_token(AUDIENCE, ttl=3600))[0] == 202
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        peer.pump(0.1)
    assert not receiver.state & Endpoint.REMOTE_CLOSED, f"detached: {peer.detach_condition(receiver)}"
    peer.close()


def send_acknowledged_c2d(node, device_id, received, message_id):
    """Sends a C2D message with iothub-ack=full over AMQP and waits until the MQTT device (whose
    messages land in `received`) got it; paho acknowledges it, which completes it."""
    peer = Peer(node.amqp_port)
    peer.wait_open()
    assert peer.put_token("https://localhost", node.service_token())[0] == 202
    sender = peer.sender(DEVICE_BOUND)
    peer.wait(lambda: sender.credit > 0, "credit to send")
    message = c2d(message_id.encode(), to=f"/devices/{device_id}/messages/devicebound")
    message.id = message_id
    message.properties = {"iothub-ack": "full"}
    delivery = sender.send(message)
    peer.wait(lambda: delivery.remote_state, "the send's disposition")
    assert delivery.remote_state == proton.Delivery.ACCEPTED
    peer.wait(lambda: any(m.payload == message_id.encode() for m in received), "the device's copy of the message")
    peer.close()


def test_feedback_over_amqp(node):
    """§5.4: a C2D message with iothub-ack=full, completed by the device (PUBACK), gives a Success
    record that the feedback link delivers as one JSON batch; settling it completes the batch,
    releasing it abandons it (sent again)."""
    import json

    import paho.mqtt.client as mqtt

    device_id = f"feedback-dev-{int(time.monotonic() * 1000) % 100000}"
    node.cli("device", "create", "--device-id", device_id)
    fields = dict(part.split("=", 1) for part in node.cli("device", "show-connection-string", "--device-id", device_id).split(";"))
    received = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device_id, protocol=mqtt.MQTTv311, clean_session=False)
    client.username_pw_set(f"localhost/{device_id}/?api-version=2021-04-12", node.device_token(device_id, fields["SharedAccessKey"]))
    client.on_message = lambda _client, _userdata, message: received.append(message)
    client.connect("127.0.0.1", node.plain_mqtt_port)
    client.subscribe(f"devices/{device_id}/messages/devicebound/#", qos=1)
    client.loop_start()
    try:
        send_acknowledged_c2d(node, device_id, received, "feedback-1")
        peer = Peer(node.amqp_port)
        peer.wait_open()
        assert peer.put_token("https://localhost", node.service_token())[0] == 202
        feedback = peer.receiver("amqps://localhost/messages/serviceBound/feedback", credit=10)
        assert peer.wait_attached(feedback) is None
        peer.wait(lambda: peer.inbox.get(feedback.name), "a feedback batch", 8)
        batch = peer.inbox[feedback.name][0]
        assert batch.content_type == "application/vnd.microsoft.iothub.feedback.json"
        records = json.loads(bytes(batch.body))
        assert [(r["originalMessageId"], r["statusCode"], r["deviceId"]) for r in records] == [("feedback-1", "Success", device_id)]
        # Settled by this peer (completed): it does not come back.
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            peer.pump(0.1)
        assert len(peer.inbox[feedback.name]) == 1, "a completed batch is not sent again"
        peer.close()

        # Released: abandoned, so it is sent again (to the next link here).
        send_acknowledged_c2d(node, device_id, received, "feedback-2")
        second = Peer(node.amqp_port)
        second.wait_open()
        assert second.put_token("https://localhost", node.service_token())[0] == 202
        releasing = second.receiver("amqps://localhost/messages/serviceBound/feedback", name="releasing", credit=1)
        second.outcomes["releasing"] = proton.Delivery.RELEASED
        second.wait(lambda: second.inbox.get("releasing"), "a feedback batch to release", 8)
        second.close()
        third = Peer(node.amqp_port)
        third.wait_open()
        assert third.put_token("https://localhost", node.service_token())[0] == 202
        again = third.receiver("amqps://localhost/messages/serviceBound/feedback", credit=10)
        third.wait(lambda: third.inbox.get(again.name), "the released batch again", 8)
        records = json.loads(bytes(third.inbox[again.name][0].body))
        assert [r["originalMessageId"] for r in records] == ["feedback-2"]
        third.close()
    finally:
        client.disconnect()
        client.loop_stop()
