"""A bounded loopback throughput probe with pre-encoded packets on raw sockets (not a test):
the client side costs little, so the figure is closer to the broker's. One publisher, one
subscriber, N messages of 64 bytes on one topic; QoS 1 publishes are pipelined and every
delivery is acknowledged by the subscriber.

    .venv/bin/python Tests/python/load_raw.py --port 1883 --qos 1 --count 200000
"""
import argparse
import socket
import struct
import sys
import threading
import time

from mqtt_helpers import connect_packet

TOPIC = b"load/raw"
PAYLOAD = b"x" * 64


def publish_packet(qos, packet_id):
    body = struct.pack("!H", len(TOPIC)) + TOPIC + (struct.pack("!H", packet_id) if qos else b"") + PAYLOAD
    return bytes([0x30 | (qos << 1), len(body)]) + body


def open_client(port, cid):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(connect_packet(cid, keepalive=0))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--window", type=int, default=0,
                        help="QoS 0: keep at most this many messages unreceived (0: no pacing, the broker drops for the slow reader)")
    args = parser.parse_args()
    sub = open_client(args.port, "raw-sub")
    body = struct.pack("!H", 1) + struct.pack("!H", len(TOPIC)) + TOPIC + bytes([args.qos])
    sub.sendall(bytes([0x82, len(body)]) + body)
    assert sub.recv(5)[0] == 0x90
    pub = open_client(args.port, "raw-pub")
    size = len(publish_packet(args.qos, 1))
    deadline = time.monotonic() + args.seconds
    received = 0
    last_receipt = time.monotonic()

    def subscriber():
        nonlocal received, last_receipt
        buffer = b""
        # QoS 0 may be dropped for a slow subscriber (counted by the broker): stop after 1 s idle.
        sub.settimeout(1.0)
        try:
            while received < args.count and time.monotonic() < deadline:
                data = sub.recv(1 << 20)
                if not data:
                    break
                buffer += data
                whole = len(buffer) // size
                if args.qos:
                    acks = b"".join(b"\x40\x02" + buffer[i * size + 4 + len(TOPIC):i * size + 6 + len(TOPIC)] for i in range(whole))
                    sub.sendall(acks)
                received += whole
                last_receipt = time.monotonic()
                buffer = buffer[whole * size:]
        except socket.timeout:
            pass

    def drain_acks():
        pub.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            while time.monotonic() < deadline and pub.recv(1 << 20):
                pass
        except (socket.timeout, OSError):
            pass

    reader = threading.Thread(target=subscriber)
    reader.start()
    if args.qos:
        threading.Thread(target=drain_acks, daemon=True).start()
    batch = 1000
    started = time.monotonic()
    for start in range(0, args.count, batch):
        while args.window and start - received > args.window and time.monotonic() < deadline:
            time.sleep(0.0005)
        pub.sendall(b"".join(publish_packet(args.qos, (start + i) % 65535 + 1) for i in range(batch)))
        if time.monotonic() > deadline:
            break
    sent_seconds = time.monotonic() - started
    reader.join()
    elapsed = last_receipt - started
    print(f"raw qos={args.qos} sent={args.count} in {sent_seconds:.2f}s ({args.count / sent_seconds:,.0f} msg/s accepted) "
          f"received={received} in {elapsed:.2f}s ({received / elapsed:,.0f} msg/s delivered)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
