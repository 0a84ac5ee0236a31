"""Slow consumers: a subscriber that stops reading is cut off after the slow-consumer timeout,
its publishers are slowed (not failed) meanwhile, and other subscribers keep being served."""
import os
import queue
import socket
import threading
import struct
import time

import pytest

from conftest import Broker
from mqtt_helpers import Client, connect_packet, publish_packet, raw_socket


@pytest.fixture(scope="module")
def tight_broker():
    b = Broker(extra_env={
        "MQTT_INFLIGHT_WINDOW_MESSAGES": "5",
        "MQTT_SESSION_QUEUED_MESSAGES_MAX": "20",
        "MQTT_SLOW_CONSUMER_TIMEOUT_MILLIS": "1000",
    })
    yield b
    b.stop()


def subscribe_packet(packet_id, topic, qos):
    t = topic.encode()
    body = struct.pack("!H", packet_id) + struct.pack("!H", len(t)) + t + bytes([qos])
    return bytes([0x82, len(body)]) + body


def test_subscriber_that_never_acknowledges_is_closed_and_publisher_resumes(tight_broker):
    port = tight_broker.port
    topic = "slow/consumer"
    # A raw subscriber: subscribes at QoS 1, then never reads or acknowledges anything.
    stuck = raw_socket(port)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(connect_packet("stuck-subscriber", clean=True))
    assert stuck.recv(4) == b"\x20\x02\x00\x00"
    stuck.sendall(subscribe_packet(1, topic, 1))
    assert stuck.recv(5) == b"\x90\x03\x00\x01\x01"
    healthy = Client(port)
    healthy.subscribe(topic, 1)
    publisher = Client(port)
    started = time.monotonic()
    count = 200   # far beyond window (5) + queue (20) of the stuck subscriber
    for i in range(count):
        publisher.publish(topic, f"m{i}".encode(), qos=1)
    elapsed = time.monotonic() - started
    # The publisher was held until the stuck subscriber was cut off (≥ the 1 s timeout)…
    assert elapsed >= 0.9, elapsed
    # …and the healthy subscriber got everything, in order.
    got = [m.payload for m in healthy.receive(count, timeout=10)]
    assert got == [f"m{i}".encode() for i in range(count)]
    assert "slow consumer" in tight_broker.log_text()
    healthy.close(); publisher.close(); stuck.close()


@pytest.fixture(scope="module")
def small_queue_broker():
    b = Broker(extra_env={
        "IO_LOOPS": "1",
        "MQTT_INFLIGHT_WINDOW_MESSAGES": "5",
        "MQTT_SESSION_QUEUED_MESSAGES_MAX": "20",
    })
    yield b
    b.stop()


def test_publishers_held_by_a_full_queue_are_woken_as_it_drains(small_queue_broker):
    """Publishers held behind a full session queue resume when it drains (the session wakes
    them), not only when their fallback poll (every 500 ms) comes round: 1,200 messages through
    a 20-message queue take ~20 s of polling, ~2 s with wakes."""
    port, topic, count = small_queue_broker.port, "drain/wake", 1200
    received = queue.Queue()
    subscriber = Client(port)

    def slow_reader(client, userdata, message):
        time.sleep(0.001)  # a subscriber slower than its publishers: the queue fills
        received.put(message.payload)
    subscriber.client.on_message = slow_reader
    subscriber.subscribe(topic, 1)
    publishers = [Client(port) for _ in range(3)]
    started = time.monotonic()
    senders = [threading.Thread(target=lambda p=p, k=k: [p.publish(topic, f"{k}-{i}".encode(), qos=1)
                                                        for i in range(count // 3)])
               for k, p in enumerate(publishers)]
    for t in senders:
        t.start()
    got = [received.get(timeout=20) for _ in range(count)]
    elapsed = time.monotonic() - started
    for t in senders:
        t.join(timeout=20)
    # Nothing lost, each publisher's messages in order (§4.6).
    for k in range(3):
        assert [g for g in got if g.startswith(f"{k}-".encode())] == [f"{k}-{i}".encode() for i in range(count // 3)]
    assert elapsed < 10, f"held publishers were not woken on drain: {elapsed:.1f} s"
    subscriber.close()
    for p in publishers:
        p.close()


def open_sockets(pid):
    return sum(1 for fd in os.listdir(f"/proc/{pid}/fd") if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))


def test_slow_consumer_close_releases_its_socket_while_bytes_are_queued(tight_broker):
    # Found by nave-bench soak: a subscriber closed as a slow consumer kept its socket (and
    # the bytes queued for it) for as long as it stayed connected, because the close waited to
    # flush bytes the peer never reads. The broker must let go of the socket at once.
    port, pid = tight_broker.port, tight_broker.process.pid
    topic = "slow/socket"
    before = open_sockets(pid)
    stuck = raw_socket(port)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.sendall(connect_packet("stuck-socket", clean=True))
    assert stuck.recv(4) == b"\x20\x02\x00\x00"
    stuck.sendall(subscribe_packet(1, topic, 0))
    assert stuck.recv(5) == b"\x90\x03\x00\x01\x00"
    publisher = raw_socket(port)
    publisher.sendall(connect_packet("socket-flooder", clean=True))
    assert publisher.recv(4) == b"\x20\x02\x00\x00"
    payload = publish_packet(topic, b"x" * 8192)
    for _ in range(1000):   # 8 MB: far more than the stuck reader's buffers take
        publisher.sendall(payload)
    assert open_sockets(pid) == before + 2
    deadline = time.monotonic() + 10   # slow-consumer timeout 1 s, housekeeping ≤ 1 s
    while open_sockets(pid) > before + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_sockets(pid) == before + 1, "the slow consumer's socket is still open in the broker"
    assert "slow consumer" in tight_broker.log_text()
    publisher.close(); stuck.close()
