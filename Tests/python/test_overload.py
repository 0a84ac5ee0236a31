"""Overload push-back (PERF.md G10): a QoS 0 publisher whose messages reach none of the
subscribers it matched (all at their drop mark) is not read for a while, so TCP pushes back on
it; a publisher that still reaches a healthy subscriber is never paused."""
import re
import socket
import struct
import time

import pytest

from conftest import Broker
from mqtt_helpers import Client, connect_packet, publish_packet, raw_socket

PAYLOAD = b"x" * 1024


@pytest.fixture()
def small_mark_broker():
    # A low QoS 0 drop mark makes a subscriber that never reads congested after ~64 KiB.
    b = Broker(extra_env={"NAVE_IO_LOOPS": "1", "NAVE_MQTT_MAXIMUM_PACKET_BYTES": "4096",
                          "NAVE_MQTT_SUBSCRIBER_OUTBOUND_BYTES_MAX": "65536"})
    yield b
    b.stop()


def stuck_subscriber(port, topic):
    s = raw_socket(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(connect_packet("stuck", clean=True))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    t = topic.encode()
    s.sendall(bytes([0x82, 5 + len(t)]) + struct.pack("!HH", 1, len(t)) + t + b"\x00")
    assert s.recv(5) == b"\x90\x03\x00\x01\x00"
    return s


def back_offs(broker):
    broker.stop()
    found = re.search(r"congestionBackOffs=(\d+)", broker.log_text())
    assert found, broker.log_text()[-2000:]
    return int(found.group(1))


def test_publisher_reaching_nobody_is_pushed_back(small_mark_broker):
    port, topic = small_mark_broker.port, "over/load"
    stuck = stuck_subscriber(port, topic)
    publisher = raw_socket(port)
    publisher.sendall(connect_packet("flooder", clean=True))
    assert publisher.recv(4) == b"\x20\x02\x00\x00"
    publisher.setblocking(False)
    stream = publish_packet(topic, PAYLOAD) * 20_000
    sent, deadline = 0, time.monotonic() + 3
    while sent < len(stream) and time.monotonic() < deadline:   # bounded in bytes and time
        try:
            sent += publisher.send(stream[sent:sent + 65536])   # partial sends resume where they stopped
        except BlockingIOError:
            time.sleep(0.001)
    publisher.close(); stuck.close()
    assert back_offs(small_mark_broker) > 0


def test_publisher_reaching_a_healthy_subscriber_is_not_paused(small_mark_broker):
    port, topic = small_mark_broker.port, "over/load"
    stuck = stuck_subscriber(port, topic)
    healthy = Client(port)
    healthy.subscribe(topic, 0)
    publisher = raw_socket(port)
    publisher.sendall(connect_packet("steady", clean=True))
    assert publisher.recv(4) == b"\x20\x02\x00\x00"
    packet = publish_packet(topic, PAYLOAD)
    for batch in range(30):
        publisher.sendall(packet * 20)
        healthy.receive(20)   # keeps the healthy subscriber far below its drop mark
    publisher.close(); stuck.close(); healthy.close()
    assert back_offs(small_mark_broker) == 0
