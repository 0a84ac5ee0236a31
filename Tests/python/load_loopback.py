"""A bounded loopback throughput probe (not a test): one paho publisher, one paho subscriber,
N messages of 64 bytes on one topic; prints messages per second from the first publish to the
last delivery. Bounded by --count and --seconds.

    .venv/bin/python Tests/python/load_loopback.py --port 1883 --qos 0 --count 100000

The Python client, not the broker, is the limit at these rates; the figure is a floor.
"""
import argparse
import sys
import threading
import time

import socket

import paho.mqtt.client as mqtt


def no_delay(client, *rest):
    # paho leaves Nagle on; its small PUBACKs would then wait for the broker's delayed ACK.
    client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--qos", type=int, default=0)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    received = 0
    done = threading.Event()
    subscribed = threading.Event()

    def on_message(client, userdata, message):
        nonlocal received
        received += 1
        if received >= args.count:
            done.set()

    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load-sub", protocol=mqtt.MQTTv311)
    sub.on_message = on_message
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.on_connect = no_delay
    sub.connect("127.0.0.1", args.port)
    sub.loop_start()
    sub.subscribe("load/topic", args.qos)
    subscribed.wait(5)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load-pub", protocol=mqtt.MQTTv311)
    pub.max_inflight_messages_set(256)
    pub.max_queued_messages_set(0)
    pub.on_connect = no_delay
    pub.connect("127.0.0.1", args.port)
    pub.loop_start()
    payload = b"x" * 64
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    for i in range(args.count):
        if time.monotonic() > deadline:
            break
        info = pub.publish("load/topic", payload, qos=args.qos)
        if args.qos == 0 and i % 1000 == 999:
            time.sleep(0)  # let the network thread write
    done.wait(max(0, deadline - time.monotonic()))
    elapsed = time.monotonic() - started
    print(f"qos={args.qos} sent={args.count} received={received} seconds={elapsed:.2f} "
          f"rate={received / elapsed:,.0f} msg/s")
    pub.loop_stop(); sub.loop_stop()
    return 0 if received >= args.count * (0.5 if args.qos == 0 else 1) else 1


if __name__ == "__main__":
    sys.exit(main())
