"""Hostile input from any MQTT client (issue #11): deep topics, control characters, MQTT 3.1.

Each case is decided as Mosquitto 2.0 decides it; the node must close only the offender and
keep serving everyone else.
"""
import struct

from mqtt_helpers import Client, raw_socket, wait_closed, connect_packet, mqtt_string, packet
from test_broker import unique


def connected_raw(port, client_id):
    s = raw_socket(port)
    s.sendall(connect_packet(client_id))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    return s


def assert_still_serving(port):
    topic = unique("alive")
    sub = Client(port)
    sub.subscribe(topic, 1)
    pub = Client(port)
    pub.publish(topic, b"alive", qos=1)
    assert sub.receive()[0].payload == b"alive"
    pub.close(); sub.close()


def test_65535_byte_filter_of_slashes_closes_the_client_not_the_node(broker):
    # The reported remote crash: SUBSCRIBE to 65,535 '/' (65,536 levels), then UNSUBSCRIBE or
    # disconnect, overflowed the stack of a recursive trie walk (SIGSEGV).
    for deep in (b"/" * 65535, b"a/" * 32767 + b"a"):
        s = connected_raw(broker.port, unique("deep"))
        s.sendall(packet(0x82, struct.pack("!H", 1) + mqtt_string(deep) + b"\x00"))
        s.sendall(packet(0xA2, struct.pack("!H", 2) + mqtt_string(deep)))
        assert wait_closed(s) == b"", "closed without SUBACK, as Mosquitto does past 200 levels"
    s = connected_raw(broker.port, unique("deep-pub"))
    s.sendall(packet(0x30, mqtt_string(b"/" * 65535) + b"x"))
    assert wait_closed(s) == b""
    assert broker.process.poll() is None, "the node is still running"
    assert "topicLevelsMax" in broker.log_text()
    assert_still_serving(broker.port)


def test_200_levels_pass_201_close(broker):
    ok = "/".join(["l"] * 200)
    sub = Client(broker.port)
    assert sub.subscribe(ok, 0) is not None
    pub = Client(broker.port)
    pub.publish(ok, b"deep", qos=0)
    assert sub.receive()[0].payload == b"deep"
    pub.close(); sub.close()
    s = connected_raw(broker.port, unique("l201"))
    s.sendall(packet(0x82, struct.pack("!H", 1) + mqtt_string(("/".join(["l"] * 201)).encode()) + b"\x00"))
    assert wait_closed(s) == b""


def test_control_characters_close_the_connection(broker):
    # §1.5.3: SHOULD NOT appear; Mosquitto 2.0 closes (mosquitto_validate_utf8), so does Nave.
    s = raw_socket(broker.port)
    s.sendall(connect_packet("bad\x01id"))
    assert wait_closed(s) == b"", "client id with U+0001: closed without CONNACK"
    s = connected_raw(broker.port, unique("ctl"))
    s.sendall(packet(0x30, mqtt_string("a/\x7fb".encode()) + b"x"))
    assert wait_closed(s) == b""
    s = connected_raw(broker.port, unique("ctl"))
    s.sendall(packet(0x82, struct.pack("!H", 1) + mqtt_string("a/\u0085".encode()) + b"\x00"))
    assert wait_closed(s) == b"", "U+0085 (a C1 control) in a filter"
    assert_still_serving(broker.port)


def test_mqtt_3_1_client_connects_and_publishes(broker):
    # "MQIsdp" level 3: accepted, as by Mosquitto; CONNACK has no session-present flag.
    topic = unique("v31")
    sub = Client(broker.port)
    sub.subscribe(topic, 0)
    s = raw_socket(broker.port)
    body = mqtt_string(b"MQIsdp") + b"\x03\x00\x00\x3c" + mqtt_string(unique("old").encode())
    s.sendall(packet(0x10, body))
    assert s.recv(4) == b"\x20\x02\x00\x00"
    s.sendall(packet(0x30, mqtt_string(topic.encode()) + b"from 3.1"))
    assert sub.receive()[0].payload == b"from 3.1"
    s.close(); sub.close()
    s = raw_socket(broker.port)
    s.sendall(packet(0x10, mqtt_string(b"MQIsdp") + b"\x03\x02\x00\x3c\x00\x00"))
    assert wait_closed(s) == b"\x20\x02\x00\x02", "MQTT 3.1 has no zero-byte client ids"
