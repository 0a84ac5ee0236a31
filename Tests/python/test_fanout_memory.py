"""Fan-out memory: subscribers that stop reading cannot make the broker hold
`subscriberOutboundBytesMax` each; the loop's budget (`mqtt.loopOutboundBytesMax`) drops QoS 0
to the backed-up ones while a subscriber that keeps up is still served."""
import re
import socket
import struct
import time

import pytest

from conftest import Broker
from mqtt_helpers import Client, connect_packet, publish_packet, raw_socket

STUCK_SUBSCRIBERS = 32
PAYLOAD = b"x" * 8192
MESSAGES = 2000          # 16 MB through each subscriber
LOOP_BUDGET = 1 << 20    # 1 MiB for the whole loop; each subscriber alone may queue 1 MiB


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kb * 1024


@pytest.fixture()
def budget_broker():
    b = Broker(extra_env={"NAVE_IO_LOOPS": "1", "NAVE_MQTT_LOOP_OUTBOUND_BYTES_MAX": str(LOOP_BUDGET)})
    yield b
    b.stop()


def test_stuck_subscribers_are_dropped_within_the_loop_budget(budget_broker):
    port, topic = budget_broker.port, "fan/out"
    stuck = []
    for i in range(STUCK_SUBSCRIBERS):
        s = raw_socket(port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(connect_packet(f"stuck-{i}", clean=True))
        assert s.recv(4) == b"\x20\x02\x00\x00"
        t = topic.encode()
        s.sendall(bytes([0x82, 5 + len(t)]) + struct.pack("!HH", 1, len(t)) + t + b"\x00")
        assert s.recv(5) == b"\x90\x03\x00\x01\x00"
        stuck.append(s)
    healthy = Client(port)
    healthy.subscribe(topic, 0)
    before = rss_bytes(budget_broker.process.pid)

    publisher = raw_socket(port)
    publisher.sendall(connect_packet("fan-publisher", clean=True))
    assert publisher.recv(4) == b"\x20\x02\x00\x00"
    packet = publish_packet(topic, PAYLOAD)
    for _ in range(MESSAGES):
        publisher.sendall(packet)
    time.sleep(1.0)  # let the broker finish routing and the healthy subscriber drain
    grown = rss_bytes(budget_broker.process.pid) - before

    # Without the budget the stuck subscribers hold 32 × 1 MiB in the broker (the debug build's
    # RSS grew by 69 MB, 20 MB of it the burst itself); with it, each backed-up one keeps at
    # most the congested mark (64 KiB) plus a send chunk (RSS grew by 20 MB).
    assert grown < 40 * (1 << 20), f"broker RSS grew by {grown} bytes"
    # A subscriber that keeps up is still served: a marker sent once the burst has drained.
    publisher.sendall(publish_packet(topic, b"marker"))
    deadline = time.monotonic() + 10
    while healthy.messages.get(timeout=max(0.01, deadline - time.monotonic())).payload != b"marker":
        pass
    healthy.close(); publisher.close()
    for s in stuck:
        s.close()
    budget_broker.stop()
    dropped = re.search(r"qos0Dropped=(\d+)", budget_broker.log_text())
    assert dropped and int(dropped.group(1)) > STUCK_SUBSCRIBERS, budget_broker.log_text()[-2000:]
