"""Black-box tests of `nave serve` with paho-mqtt and raw sockets (MQTT 3.1.1)."""
import queue
import socket
import time
import uuid

import pytest

from mqtt_helpers import Client, connect_packet, raw_socket, wait_closed


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_subscribe_each_qos(broker, qos):
    topic = unique("qos")
    sub = Client(broker.port)
    assert sub.subscribe(topic, qos)[0].value == qos
    pub = Client(broker.port)
    payloads = [f"m{i}".encode() for i in range(20)]
    for p in payloads:
        pub.publish(topic, p, qos=qos)
    got = sub.receive(len(payloads))
    assert [m.payload for m in got] == payloads  # in order (§4.6)
    assert all(m.qos == qos for m in got)
    pub.close(); sub.close()


def test_delivered_qos_is_the_minimum_of_publish_and_subscription(broker):
    topic = unique("min")
    sub = Client(broker.port)
    sub.subscribe(topic, 1)
    pub = Client(broker.port)
    pub.publish(topic, b"x", qos=2)
    assert sub.receive()[0].qos == 1
    pub.close(); sub.close()


def test_wildcards_and_system_topics(broker):
    base = unique("wild")
    sub = Client(broker.port)
    sub.subscribe(f"{base}/+/temp", 0)
    sub.subscribe(f"{base}/b/#", 0)
    hash_all = Client(broker.port)
    hash_all.subscribe("#", 0)
    pub = Client(broker.port)
    pub.publish(f"{base}/a/temp", b"1")
    pub.publish(f"{base}/b", b"2")          # "b/#" matches its parent level
    pub.publish(f"{base}/c/humidity", b"3")  # matches nothing of sub's
    pub.publish("$SYS/x", b"4")              # "#" never matches $-topics (§4.7.2)
    got = sorted(m.payload for m in sub.receive(2))
    assert got == [b"1", b"2"]
    sub.nothing_more()
    seen = [m.topic for m in hash_all.receive(3)]
    assert "$SYS/x" not in seen
    hash_all.nothing_more()
    for c in (sub, hash_all, pub):
        c.close()


def test_overlapping_subscriptions_deliver_once_at_highest_qos(broker):
    base = unique("overlap")
    sub = Client(broker.port)
    sub.subscribe(f"{base}/#", 0)
    sub.subscribe(f"{base}/x", 1)
    pub = Client(broker.port)
    pub.publish(f"{base}/x", b"once", qos=1)
    m = sub.receive()[0]
    assert m.payload == b"once" and m.qos == 1
    sub.nothing_more()
    sub.close(); pub.close()


def test_retained_message_and_empty_payload_clears(broker):
    topic = unique("retained")
    pub = Client(broker.port)
    pub.publish(topic, b"first", qos=1, retain=True)
    pub.publish(topic, b"last", qos=1, retain=True)
    sub = Client(broker.port)
    sub.subscribe(topic, 1)
    m = sub.receive()[0]
    assert (m.payload, m.retain) == (b"last", True)
    # A live message is forwarded with RETAIN 0 (§3.3.1-9).
    pub.publish(topic, b"live", qos=1, retain=True)
    m = sub.receive()[0]
    assert (m.payload, m.retain) == (b"live", False)
    pub.publish(topic, b"", qos=1, retain=True)   # clears (§3.3.1-10)
    sub.receive()  # the empty message itself is forwarded
    late = Client(broker.port)
    late.subscribe(topic, 1)
    late.nothing_more()
    for c in (pub, sub, late):
        c.close()


def test_will_published_on_abnormal_close_not_on_disconnect(broker):
    topic = unique("will")
    watcher = Client(broker.port)
    watcher.subscribe(topic, 1)
    polite = Client(broker.port, will=(topic, b"polite", 1, False))
    polite.close(clean=True)
    watcher.nothing_more(0.5)
    crasher = Client(broker.port, will=(topic, b"gone", 1, False))
    crasher.close(clean=False)
    m = watcher.receive()[0]
    assert m.payload == b"gone"
    watcher.close()


def test_persistent_session_keeps_subscriptions_and_queues_messages(broker):
    topic = unique("persist")
    cid = unique("persistent-client")
    sub = Client(broker.port, client_id=cid, clean_session=False)
    assert sub.session_present is False
    sub.subscribe(topic, 1)
    sub.close()
    pub = Client(broker.port)
    for i in range(5):
        pub.publish(topic, f"q{i}".encode(), qos=1)
    pub.publish(topic, b"qos0-not-queued", qos=0)
    back = Client(broker.port, client_id=cid, clean_session=False, connect=False)
    back.client.loop_start()
    back.client.connect("127.0.0.1", broker.port)
    present, rc = back.connack.get(timeout=5)
    assert present and rc == 0
    got = [m.payload for m in back.receive(5)]
    assert got == [f"q{i}".encode() for i in range(5)]
    back.nothing_more()
    back.close(); pub.close()
    # Clean session 1 discards it (§3.1.2.4).
    fresh = Client(broker.port, client_id=cid, clean_session=True)
    assert fresh.session_present is False
    fresh.close()


def test_client_id_takeover_closes_the_first_connection(broker):
    cid = unique("takeover")
    first = Client(broker.port, client_id=cid)
    second = Client(broker.port, client_id=cid)
    assert first.disconnects.get(timeout=5) is not None
    topic = unique("after-takeover")
    second.subscribe(topic, 0)
    second.client.publish(topic, b"still here")
    assert second.receive()[0].payload == b"still here"
    second.close()
    first.client.loop_stop()


def test_zero_length_client_id(broker):
    s = raw_socket(broker.port)
    s.sendall(connect_packet("", clean=True))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    s.close()
    s = raw_socket(broker.port)
    s.sendall(connect_packet("", clean=False))
    assert wait_closed(s) == b"\x20\x02\x00\x02"   # identifier rejected (§3.1.3-8)


def test_unsupported_protocol_level_gets_connack_1(broker):
    s = raw_socket(broker.port)
    body = b"\x00\x04MQTT\x05\x02\x00\x3c\x00\x01a"
    s.sendall(bytes([0x10, len(body)]) + body)
    assert wait_closed(s) == b"\x20\x02\x00\x01"


def test_first_packet_must_be_connect_and_second_connect_closes(broker):
    s = raw_socket(broker.port)
    s.sendall(b"\xc0\x00")   # PINGREQ first
    assert wait_closed(s) == b""
    s = raw_socket(broker.port)
    s.sendall(connect_packet(unique("twice")))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    s.sendall(connect_packet(unique("twice")))
    assert wait_closed(s) == b""


def test_malformed_and_oversized_input_closes_only_the_offender(broker):
    topic = unique("bystander")
    bystander = Client(broker.port)
    bystander.subscribe(topic, 1)
    offenders = []
    for garbage in (b"\x00\x00", b"\x30\xff\xff\xff\xff\x7f", b"\x10\x02\x00\x04"):
        s = raw_socket(broker.port)
        s.sendall(garbage)
        offenders.append(s)
    # A connected client sending an oversized PUBLISH (announces 300 MB).
    s = raw_socket(broker.port)
    s.sendall(connect_packet(unique("big")))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    s.sendall(b"\x30\xff\xff\xff\x7f")
    offenders.append(s)
    for s in offenders[:2] + offenders[3:]:
        wait_closed(s)
    pub = Client(broker.port)
    pub.publish(topic, b"fine", qos=1)
    assert bystander.receive()[0].payload == b"fine"
    pub.close(); bystander.close()
    offenders[2].close()
    assert "malformed packet" in broker.log_text()


def test_keepalive_expiry_closes_and_publishes_will(broker):
    topic = unique("keepalive")
    watcher = Client(broker.port)
    watcher.subscribe(topic, 0)
    s = raw_socket(broker.port)
    cid = unique("silent").encode()
    # CONNECT with keep-alive 1 s and a will on `topic`.
    variable = b"\x00\x04MQTT\x04\x06\x00\x01"
    payload = len(cid).to_bytes(2, "big") + cid + len(topic).to_bytes(2, "big") + topic.encode() + b"\x00\x04dead"
    body = variable + payload
    s.sendall(bytes([0x10, len(body)]) + body)
    assert s.recv(4) == b"\x20\x02\x00\x00"
    started = time.monotonic()
    wait_closed(s, timeout=5)
    elapsed = time.monotonic() - started
    assert 1.4 <= elapsed < 4, elapsed   # 1.5 × keep-alive (§3.1.2.10)
    assert watcher.receive()[0].payload == b"dead"
    watcher.close()


def test_connect_timeout_closes_silent_connection(broker):
    s = raw_socket(broker.port)
    started = time.monotonic()
    assert wait_closed(s, timeout=5) == b""
    assert 0.9 <= time.monotonic() - started < 4
    assert "no CONNECT before the connect timeout" in broker.log_text()


def test_subscription_cap_refuses_with_0x80(broker):
    c = Client(broker.port)
    base = unique("flood")
    # One SUBSCRIBE with 110 filters; the default cap is 100 per client.
    granted = queue.Queue()
    c.client.on_subscribe = lambda cl, u, mid, rcs, p: granted.put(rcs)
    c.client.subscribe([(f"{base}/{j}", 0) for j in range(110)])
    rcs = granted.get(timeout=5)
    values = [r.value for r in rcs]
    assert values[:100] == [0] * 100 and values[100:] == [0x80] * 10
    c.close()


def test_garbage_storm_leaves_the_broker_serving(broker):
    """Random bytes, before and after a valid CONNECT, on many connections: each offender is
    closed, the process stays up, and a normal client is still served."""
    import random
    rng = random.Random(0x5EED)
    sockets = []
    for i in range(150):
        s = raw_socket(broker.port)
        prefix = connect_packet(f"storm-{i}") if i % 2 else b""
        s.sendall(prefix + bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))))
        sockets.append(s)
    # Offenders are closed by the broker; a few hold a merely incomplete packet (not an error)
    # and stay open. Drain for at most 2 s, then close ours.
    import selectors
    selector = selectors.DefaultSelector()
    for s in sockets:
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + 2
    open_count = len(sockets)
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.1):
            try:
                data = key.fileobj.recv(4096)
            except ConnectionResetError:
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                open_count -= 1
    assert open_count < len(sockets) // 2, open_count   # most were cut off
    for s in sockets:
        s.close()
    assert broker.process.poll() is None
    topic = unique("after-storm")
    c = Client(broker.port)
    c.subscribe(topic, 1)
    c.publish(topic, b"ok", qos=1)
    assert c.receive()[0].payload == b"ok"
    c.close()


def read_packet(sock):
    """Reads one MQTT packet: (first byte, body)."""
    sock.settimeout(5)
    first = sock.recv(1)
    assert first, "connection closed"
    length, shift = 0, 0
    while True:
        b = sock.recv(1)[0]
        length |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return first[0], body


def test_unacknowledged_qos1_is_redelivered_with_dup_on_resume(broker):
    topic = unique("dup")
    cid = unique("dup-client")
    s = raw_socket(broker.port)
    s.sendall(connect_packet(cid, clean=False))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    t = topic.encode()
    body = b"\x00\x01" + len(t).to_bytes(2, "big") + t + b"\x01"
    s.sendall(bytes([0x82, len(body)]) + body)
    assert read_packet(s)[0] == 0x90
    pub = Client(broker.port)
    pub.publish(topic, b"needs-ack", qos=1)
    header, first = read_packet(s)
    assert header == 0x32            # PUBLISH, QoS 1, DUP 0
    s.close()                         # no PUBACK
    again = raw_socket(broker.port)
    again.sendall(connect_packet(cid, clean=False))
    assert again.recv(4) == b"\x20\x02\x01\x00"   # session present
    header, second = read_packet(again)
    assert header == 0x3A            # PUBLISH, QoS 1, DUP 1 (§3.3.1.1)
    assert second == first           # same topic, packet identifier and payload
    packet_id = second[2 + len(t):4 + len(t)]
    again.sendall(b"\x40\x02" + packet_id)
    # Clean up the persistent session.
    again.sendall(b"\xe0\x00")
    again.close()
    pub.close()
