"""Nave's plain MQTT 3.1.1 broker against Mosquitto 2.0, byte for byte (issue #11).

Every script runs against both brokers (started here, on free loopback ports); each connection's
received bytes and closed-or-not must agree, or the difference must be in
differential.ALLOW_LIST with its reason. Differences nobody has decided about yet are marked
xfail(strict=True) below, so they stay visible and the suite notices when they go away.

NAVE_BIN picks the node binary (default .build/debug/nave), MOSQUITTO_BIN the Mosquitto.
NAVE_DIFF_SEQUENCES (default 1000) and NAVE_DIFF_SEED (default 1) size the random slice.
"""
import asyncio
import os
import shutil

import pytest

import differential as d
from differential import (connect, publish, subscribe, unsubscribe, packet, s, PUBACK, PUBREC,
                          PUBREL, PUBCOMP, PINGREQ, DISCONNECT, Script)

pytestmark = pytest.mark.skipif(not shutil.which(d.MOSQUITTO) and not os.path.exists(d.MOSQUITTO),
                                reason="mosquitto not installed")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    p = d.Pair(tmp_path_factory.mktemp("differential"))
    yield p
    p.stop()


SCRIPTS = []


def script(name, note=""):
    def register(factory):
        SCRIPTS.append(Script(name, factory, note))
        return factory
    return register


E = ("expect", 0)


def ok(cid, **kw):
    """Connect and wait for CONNACK."""
    return [("send", connect(cid, **kw)), E]


def on(conn, *packets):
    return [("send", conn, p) for p in packets]


def v5_connect(cid):
    body = s("MQTT") + bytes([5, 0x02]) + b"\x00\x3c" + b"\x00" + s(cid)
    return packet(0x10, body)


def deep(levels):
    return "/".join(["l"] * levels)


# --- CONNECT ----------------------------------------------------------------------------------

script("connect_311")(lambda ns: ok("c" + ns) + [("send", PINGREQ), E, ("send", DISCONNECT), E])
script("connect_31_mqisdp")(lambda ns: ok("c" + ns, proto=b"MQIsdp", level=3) + [("send", PINGREQ), E])
script("connect_31_level4")(lambda ns: ok("c" + ns, proto=b"MQIsdp", level=4))
script("connect_31_zero_byte_id")(lambda ns: ok("", proto=b"MQIsdp", level=3))
script("connect_31_24_char_id")(lambda ns: ok("c" + ns + "x" * 19, proto=b"MQIsdp", level=3))
script("connect_mqtt5")(lambda ns: [("send", v5_connect("c" + ns)), E])
script("connect_level_6")(lambda ns: ok("c" + ns, level=6))
script("connect_level_3_with_MQTT")(lambda ns: ok("c" + ns, level=3))
script("connect_bad_protocol_name")(lambda ns: ok("c" + ns, proto=b"MQTX"))
script("connect_lowercase_protocol_name")(lambda ns: ok("c" + ns, proto=b"mqtt"))
script("connect_reserved_flag")(lambda ns: ok("c" + ns, flags=0x03))
script("connect_will_qos_without_will")(lambda ns: ok("c" + ns, flags=0x0A))
script("connect_will_retain_without_will")(lambda ns: ok("c" + ns, flags=0x22))
script("connect_will_qos_3")(lambda ns: ok("c" + ns, will=("w/" + ns, b"x", 3, False)))
script("connect_password_without_username")(lambda ns: ok("c" + ns, password=b"p"))
script("connect_username_only")(lambda ns: ok("c" + ns, username="u"))
script("connect_username_flag_without_field")(lambda ns: ok("c" + ns, flags=0x82))
script("connect_zero_byte_id_clean")(lambda ns: ok("") + [("send", PINGREQ), E])
script("connect_zero_byte_id_persistent")(lambda ns: ok("", clean=False))
script("connect_long_client_id")(lambda ns: ok("c" + ns + "x" * 200))
script("connect_non_ascii_client_id")(lambda ns: ok("c" + ns + "é€😀"))
script("connect_trailing_garbage")(lambda ns: [("send", connect("c" + ns)[:1] + bytes([connect("c" + ns)[1] + 1])
                                               + connect("c" + ns)[2:] + b"\x00"), E])
script("connect_truncated_body")(lambda ns: [("send", packet(0x10, connect("c" + ns)[2:-3])), E])
script("connect_keepalive_0")(lambda ns: ok("c" + ns, keepalive=0) + [("send", PINGREQ), E])

BAD_CHARS = {"u0001": "\x01", "u001f": "\x1f", "u007f": "\x7f", "u0080": "\x80", "u009f": "\x9f",
             "ufdd0": "\ufdd0", "uffff": "\uffff", "u1fffe": "\U0001fffe", "u0000": "\x00"}
for tag, ch in BAD_CHARS.items():
    script(f"bad_char_{tag}_client_id")(lambda ns, ch=ch: ok("c" + ns + ch))
    script(f"bad_char_{tag}_username")(lambda ns, ch=ch: ok("c" + ns, username="u" + ch))
    script(f"bad_char_{tag}_will_topic")(lambda ns, ch=ch: ok("c" + ns, will=(f"w/{ns}/" + ch, b"x", 0, False)))
    script(f"bad_char_{tag}_topic")(lambda ns, ch=ch: ok("c" + ns) + [("send", publish(f"t/{ns}/{ch}", b"x")), E])
    script(f"bad_char_{tag}_filter")(lambda ns, ch=ch: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}/{ch}", 0)])), E])
    script(f"bad_char_{tag}_unsubscribe")(lambda ns, ch=ch: ok("c" + ns) + [("send", unsubscribe(1, [f"t/{ns}/{ch}"])), E])
script("bad_utf8_overlong_nul_topic")(lambda ns: ok("c" + ns) + [("send", packet(0x30, s(f"t/{ns}/".encode() + b"\xc0\x80") + b"x")), E])
script("bad_utf8_surrogate_topic")(lambda ns: ok("c" + ns) + [("send", packet(0x30, s(f"t/{ns}/".encode() + b"\xed\xa0\x80") + b"x")), E])
script("ok_char_u00a0_topic")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}/\u00a0", 0)])), E,
                                                          ("send", publish(f"t/{ns}/\u00a0", b"x")), E])

# --- Session-level protocol ---------------------------------------------------------------------

script("second_connect")(lambda ns: ok("c" + ns) + [("send", connect("c" + ns)), E])
script("publish_before_connect")(lambda ns: [("send", publish(f"t/{ns}", b"x")), E])
script("pingreq_before_connect")(lambda ns: [("send", PINGREQ), E])
script("subscribe_before_connect")(lambda ns: [("send", subscribe(1, [(f"t/{ns}", 0)])), E])
script("suback_from_client")(lambda ns: ok("c" + ns) + [("send", packet(0x90, b"\x00\x01\x00")), ("send", PINGREQ), E])
script("unsuback_from_client")(lambda ns: ok("c" + ns) + [("send", packet(0xB0, b"\x00\x01")), ("send", PINGREQ), E])
script("pingresp_from_client")(lambda ns: ok("c" + ns) + [("send", b"\xd0\x00"), ("send", PINGREQ), E])
script("connack_from_client")(lambda ns: ok("c" + ns) + [("send", d.CONNACK_OK), E])
script("malformed_remaining_length_connect")(lambda ns: [("send", b"\x10\xff\xff\xff\xff\x7f"), E])
script("malformed_remaining_length_publish")(lambda ns: ok("c" + ns) + [("send", b"\x30\xff\xff\xff\xff\x01"), E])
script("reserved_packet_type_0")(lambda ns: ok("c" + ns) + [("send", b"\x00\x00"), E])
script("reserved_packet_type_15")(lambda ns: ok("c" + ns) + [("send", b"\xf0\x00"), E])
script("pingreq_with_body")(lambda ns: ok("c" + ns) + [("send", b"\xc0\x01\x00"), E])
script("pingreq_with_flags")(lambda ns: ok("c" + ns) + [("send", b"\xc1\x00"), E])
script("disconnect_with_flags")(lambda ns: ok("c" + ns) + [("send", b"\xe1\x00"), E])
script("disconnect_with_body")(lambda ns: ok("c" + ns) + [("send", b"\xe0\x01\x00"), E])
script("pipelined_after_disconnect")(lambda ns: [("send", connect("c" + ns) + DISCONNECT + PINGREQ), E])

# --- PUBLISH / SUBSCRIBE ---------------------------------------------------------------------------

script("qos0_self")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 0)])), E,
                                               ("send", publish(f"t/{ns}", b"hello")), E])
script("qos1_self")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 1)])), E,
                                               ("send", publish(f"t/{ns}", b"hello", qos=1, pid=10)), E,
                                               ("send", PUBACK(1)), E])
script("qos1_dup")(lambda ns: ok("c" + ns) + [("send", publish(f"t/{ns}", b"x", qos=1, pid=3, dup=True)), E])
script("qos0_dup_flag")(lambda ns: ok("c" + ns) + [("send", publish(f"t/{ns}", b"x", dup=True)), E])
script("qos1_pid_0")(lambda ns: ok("c" + ns) + [("send", publish(f"t/{ns}", b"x", qos=1, pid=0)), E])
script("qos3_publish")(lambda ns: ok("c" + ns) + [("send", packet(0x36, s(f"t/{ns}") + b"\x00\x01x")), E])
script("qos2_self")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 2)])), E,
                                               ("send", publish(f"t/{ns}", b"hello", qos=2, pid=10)), E,
                                               ("send", PUBREL(10)), E, ("send", PUBREC(1)), E,
                                               ("send", PUBCOMP(1)), E])
# Found by the random campaign: the client acknowledges a delivery before PUBREL with the wrong
# kind; only Nave has delivered it yet (ack-for-onward-delivery).
script("pubrec_for_onward_qos1_delivery")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 1)])), E,
                                                               ("send", publish(f"t/{ns}", b"x", qos=2, pid=2)),
                                                               ("send", PUBREC(1)), E])
# Found by the random campaign (seed 20261209 #1760): a retained QoS 2 message without PUBREL
# has cleared the topic's retained message in Nave (taken on at PUBLISH), not in Mosquitto.
script("qos2_retained_clear_before_pubrel")(lambda ns: ok("c" + ns) + [
    ("send", publish(f"r/{ns}/a", b"x", retain=True)), E,
    ("send", publish(f"r/{ns}/a", b"", qos=2, retain=True, pid=4)), E,
    ("send", "B", connect("b" + ns) + subscribe(1, [(f"r/{ns}/#", 2)])), E])
# Compositions (seed 20261209 #2131, #2854): overlapping subscriptions give Nave a QoS 1 copy
# where Mosquitto sends QoS 0; then an ack naming that copy, or a SUBACK from the client,
# closes the connection in Nave only. Each part is an allowed difference of its own.
script("overlap_raised_qos_then_pubrec")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(2, [(f"t/{ns}/a/#", 0), (f"t/{ns}/+/#", 1)])), E,
    ("send", publish(f"t/{ns}/a/a", b"x", qos=1, pid=3)), E,
    ("send", PUBREC(1)), ("send", PINGREQ), E])
script("overlap_raised_qos_then_suback_from_client")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/b/#", 0)])), E, ("send", subscribe(2, [(f"t/{ns}/#", 2)])), E,
    ("send", publish(f"t/{ns}/b/c", b"x", qos=1, pid=3)), E,
    ("send", packet(0x92, b"\x00\x04" + s(f"t/{ns}/#") + b"\x02")), ("send", PINGREQ), E])
# Found by the random campaign (seed 7 #3275): as above, and Mosquitto, reading on, closes for
# a second CONNECT later: its close is no longer the difference.
script("pubcomp_for_onward_delivery_then_second_connect")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", publish(f"t/{ns}", b"x", qos=2, pid=3)), ("send", PUBCOMP(1)),
    ("send", subscribe(4, [(f"t/{ns}/+", 1)])), ("send", connect("c" + ns)), E])
# Found by the random campaign (seed 20261209 #14653): Mosquitto skips a 0x00 byte where a
# packet starts and reads on; Nave closes on the reserved type. What came after it is routed by
# Mosquitto only (here a retained message).
script("zero_byte_then_retained_publish")(lambda ns: ok("c" + ns) + [
    ("send", b"\x00" + publish(f"r/{ns}/z", b"kept", retain=True)), E,
    ("send", "B", connect("b" + ns) + subscribe(1, [(f"r/{ns}/#", 0)])), E])
# Found by the random campaign (seed 20261210 #21599, #14944): a QoS 2 message to a client with
# overlapping subscriptions (Nave at PUBLISH at QoS 2, Mosquitto at PUBREL at QoS 1); and the
# mirror of the case above: a subscriber only Mosquitto picked (at PUBREL) acknowledges its
# copy with the wrong kind, Mosquitto closes and publishes the Will.
script("qos2_onward_overlap_raised")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/#", 2), (f"t/{ns}/a/#", 1)])), E,
    ("send", publish(f"t/{ns}/a/b", b"", qos=2, pid=2)), E, ("send", PUBREL(2)), E])
script("qos2_late_subscriber_wrong_ack")(lambda ns: ok("c" + ns, will=(f"w/{ns}", b"gone", 2, True)) + [
    ("send", publish(f"t/{ns}", b"x", qos=2, pid=2)), E,
    ("send", subscribe(2, [(f"t/{ns}/#", 1)])), E, ("send", PUBREL(2)), E, ("send", PUBCOMP(1)), E,
    ("send", "Z", connect("z" + ns) + subscribe(1, [(f"w/{ns}", 2)])), E])
# Found by the random campaign (seed 20261210 #74028): the Will Nave publishes after a second
# CONNECT is retained, so it also replaced the topic's retained message in Nave only.
script("will_retained_after_second_connect")(lambda ns: ok("c" + ns, will=(f"r/{ns}/w", b"gone", 0, True)) + [
    ("send", publish(f"r/{ns}/w", b"kept", qos=1, retain=True, pid=1)), E,
    ("send", connect("c" + ns)), E,
    ("send", "B", connect("b" + ns) + subscribe(1, [(f"r/{ns}/#", 0)])), E])
# Found by the random campaign (seed 20261210 #111700): Nave's copy at PUBLISH shifted its packet
# ids, so PUBREC(1) names that QoS 2 copy in Nave and a QoS 1 copy in Mosquitto (which closes).
script("shifted_id_wrong_kind_in_mosquitto")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/#", 2)])), E,
    ("send", publish(f"t/{ns}/a", b"x", qos=2, pid=2)), E,
    ("send", publish(f"t/{ns}/b", b"y", qos=1, pid=3)), E, ("send", PUBREC(1)), E])
script("qos2_duplicate_before_pubrel")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 0)])), E,
    ("send", publish(f"t/{ns}", b"one", qos=2, pid=10)), E,
    ("send", publish(f"t/{ns}", b"one", qos=2, pid=10, dup=True)), E,
    ("send", PUBREL(10)), E, ("send", PUBREL(10)), E])
script("qos2_reused_id_different_message")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/#", 0)])), E,
    ("send", publish(f"t/{ns}/a", b"first", qos=2, pid=10)), E,
    ("send", publish(f"t/{ns}/b", b"second", qos=2, pid=10)), E,
    ("send", PUBREL(10)), E])
script("pubrel_unknown_id")(lambda ns: ok("c" + ns) + [("send", PUBREL(77)), E])
script("pubrel_wrong_flags")(lambda ns: ok("c" + ns) + [("send", packet(0x60, b"\x00\x4d")), E])
script("pubrel_id_0")(lambda ns: ok("c" + ns) + [("send", PUBREL(0)), E])
script("puback_unknown_id")(lambda ns: ok("c" + ns) + [("send", PUBACK(5)), ("send", PINGREQ), E])
script("pubrec_unknown_id")(lambda ns: ok("c" + ns) + [("send", PUBREC(5)), E])
script("pubcomp_unknown_id")(lambda ns: ok("c" + ns) + [("send", PUBCOMP(5)), ("send", PINGREQ), E])
script("puback_with_flags")(lambda ns: ok("c" + ns) + [("send", packet(0x41, b"\x00\x05")), ("send", PINGREQ), E])
script("puback_id_0")(lambda ns: ok("c" + ns) + [("send", PUBACK(0)), ("send", PINGREQ), E])


def _outbound(ns, qos, *after):
    """Connection A subscribes at `qos` and publishes one message to itself (server id 1)."""
    return ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", qos)])), E,
                           ("send", publish(f"t/{ns}", b"m", qos=qos, pid=20)), E] + list(after)


script("pubrec_for_qos1_message")(lambda ns: _outbound(ns, 1, ("send", PUBREC(1)), E, ("send", PINGREQ), E))
script("pubcomp_for_qos1_message")(lambda ns: _outbound(ns, 1, ("send", PUBCOMP(1)), E, ("send", PINGREQ), E))
script("puback_for_qos2_message")(lambda ns: _outbound(ns, 2, ("send", PUBREL(20)), E, ("send", PUBACK(1)), E,
                                                       ("send", PINGREQ), E))
script("pubcomp_before_pubrec")(lambda ns: _outbound(ns, 2, ("send", PUBREL(20)), E, ("send", PUBCOMP(1)), E,
                                                     ("send", PINGREQ), E))
script("pubrec_twice")(lambda ns: _outbound(ns, 2, ("send", PUBREL(20)), E, ("send", PUBREC(1)), E,
                                            ("send", PUBREC(1)), E, ("send", PUBCOMP(1)), E))
script("puback_after_pubrec")(lambda ns: _outbound(ns, 2, ("send", PUBREL(20)), E, ("send", PUBREC(1)), E,
                                                   ("send", PUBACK(1)), E, ("send", PINGREQ), E))
script("puback_twice")(lambda ns: _outbound(ns, 1, ("send", PUBACK(1)), ("send", PUBACK(1)), ("send", PINGREQ), E))

script("qos2_inbound_resume_clean_0")(lambda ns: [
    ("send", "S", connect("s" + ns)), ("send", "S", subscribe(1, [(f"t/{ns}", 2)])), E,
    ("send", "A", connect("c" + ns, clean=False)), E,
    ("send", "A", publish(f"t/{ns}", b"once", qos=2, pid=9)), E,
    ("close", "A"), ("expect", 100),
    ("send", "B", connect("c" + ns, clean=False)), E,
    ("send", "B", publish(f"t/{ns}", b"once", qos=2, pid=9, dup=True)), E,
    ("send", "B", PUBREL(9)), E,
    ("send", "S", PUBREC(1)), E, ("send", "S", PUBCOMP(1)), E])
script("qos2_outbound_resume_after_pubrec")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False)), ("send", "A", subscribe(1, [(f"t/{ns}", 2)])), E,
    ("send", "P", connect("p" + ns) + publish(f"t/{ns}", b"m", qos=2, pid=4)), E,
    ("send", "P", PUBREL(4)), E,
    ("send", "A", PUBREC(1)), E, ("close", "A"), ("expect", 100),
    ("send", "B", connect("c" + ns, clean=False)), E,
    ("send", "B", PUBCOMP(1)), E, ("send", "B", PINGREQ), E])
script("qos2_outbound_resume_before_pubrec")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False)), ("send", "A", subscribe(1, [(f"t/{ns}", 2)])), E,
    ("send", "P", connect("p" + ns) + publish(f"t/{ns}", b"m", qos=2, pid=4)), E,
    ("send", "P", PUBREL(4)), E,
    ("close", "A"), ("expect", 100),
    ("send", "B", connect("c" + ns, clean=False)), E,
    ("send", "B", PUBREC(1)), E, ("send", "B", PUBCOMP(1)), E])
script("qos1_offline_queue")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False)), ("send", "A", subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "A", DISCONNECT), E,
    ("send", "P", connect("p" + ns) + publish(f"t/{ns}", b"1", qos=1, pid=1)
     + publish(f"t/{ns}", b"2", qos=0) + publish(f"t/{ns}", b"3", qos=2, pid=2)), E,
    ("send", "P", PUBREL(2)), E,
    ("send", "B", connect("c" + ns, clean=False)), E,
    ("send", "B", PUBACK(1) + PUBACK(2)), E,
    ("send", "B", DISCONNECT), E,
    ("send", "C", connect("c" + ns, clean=True)), E])
script("takeover")(lambda ns: [("send", "A", connect("c" + ns)), E, ("send", "B", connect("c" + ns)), E,
                               ("send", "B", PINGREQ), E])
script("takeover_persistent_session_present")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False) + subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "B", connect("c" + ns, clean=False)), E,
    ("send", "B", publish(f"t/{ns}", b"x", qos=1, pid=3)), E, ("send", "B", PUBACK(1)), E])

script("subscribe_qos3")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 3)])), E])
script("subscribe_reserved_option_bits")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 0x04)])), E])
script("subscribe_no_filters")(lambda ns: ok("c" + ns) + [("send", packet(0x82, b"\x00\x01")), E])
script("subscribe_wrong_flags")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}", 0)], first=0x80)), E])
script("subscribe_pid_0")(lambda ns: ok("c" + ns) + [("send", subscribe(0, [(f"t/{ns}", 0)])), E])
script("subscribe_empty_filter")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [("", 0)])), E])
script("subscribe_bad_wildcard_hash_mid")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}/#/x", 0)])), E])
script("subscribe_bad_wildcard_plus_glued")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"t/{ns}/a+", 0)])), E])
script("subscribe_many_filters")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(7, [(f"t/{ns}/{i}", i % 3) for i in range(10)])), E])
script("subscribe_sys")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [("$SYS/#", 0)])), ("expect", 200)])
script("subscribe_sys_and_topic")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [("$SYS/broker/uptime", 0), (f"t/{ns}", 0)])), E,
    ("send", publish(f"t/{ns}", b"x")), E])
script("unsubscribe_no_filters")(lambda ns: ok("c" + ns) + [("send", packet(0xA2, b"\x00\x01")), E])
script("unsubscribe_wrong_flags")(lambda ns: ok("c" + ns) + [("send", unsubscribe(1, [f"t/{ns}"], first=0xA0)), E])
script("unsubscribe_unknown")(lambda ns: ok("c" + ns) + [("send", unsubscribe(3, [f"t/{ns}"])), E])
script("unsubscribe_stops_delivery")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 0)])), E, ("send", unsubscribe(2, [f"t/{ns}"])), E,
    ("send", publish(f"t/{ns}", b"x")), E])
script("publish_wildcard_topic")(lambda ns: ok("c" + ns) + [("send", publish(f"t/{ns}/+", b"x")), E])
script("publish_hash_topic")(lambda ns: ok("c" + ns) + [("send", publish(f"t/{ns}/#", b"x")), E])
script("publish_empty_topic")(lambda ns: ok("c" + ns) + [("send", publish("", b"x")), E])
script("publish_sys_topic")(lambda ns: ok("c" + ns) + [("send", publish(f"$SYS/{ns}", b"x", qos=1, pid=2)), E])
script("publish_dollar_topic_plus_filter")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"+/{ns}", 0)])), E, ("send", publish(f"$x/{ns}", b"x")), E,
    ("send", publish(f"x/{ns}", b"y")), E])
script("subscription_upgrade")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 0)])), E, ("send", subscribe(2, [(f"t/{ns}", 2)])), E,
    ("send", publish(f"t/{ns}", b"x", qos=2, pid=5)), E, ("send", PUBREL(5)), E])
script("overlapping_live")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/a", 0), (f"t/{ns}/+", 1), (f"t/{ns}/#", 0)])), E,
    ("send", publish(f"t/{ns}/a", b"x", qos=1, pid=5)), E])

script("qos1_redelivered_with_dup_on_resume")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False)), ("send", "A", subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "P", connect("p" + ns) + publish(f"t/{ns}", b"m", qos=1, pid=4)), E,
    ("close", "A"), ("expect", 100),
    ("send", "B", connect("c" + ns, clean=False)), E, ("send", "B", PUBACK(1)), E,
    ("send", "B", DISCONNECT), E, ("send", "C", connect("c" + ns, clean=False)), E])
script("inflight_window_40_unacked")(lambda ns: [
    ("send", "S", connect("s" + ns) + subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "P", connect("p" + ns) + b"".join(publish(f"t/{ns}", b"%d" % i, qos=1, pid=i + 1) for i in range(40))),
    ("expect", 300)])
script("inflight_window_40_acked")(lambda ns: [
    ("send", "S", connect("s" + ns) + subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "P", connect("p" + ns) + b"".join(publish(f"t/{ns}", b"%d" % i, qos=1, pid=i + 1) for i in range(40))),
    ("expect", 300), ("send", "S", b"".join(PUBACK(i + 1) for i in range(40))), ("expect", 300),
    ("send", "S", b"".join(PUBACK(i + 1) for i in range(40))), ("expect", 100)])
script("subscribe_101_filters")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/{i}", 0) for i in range(101)])), E])
script("publish_400kb")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 0)])), E, ("send", publish(f"t/{ns}", b"x" * 400_000)), ("expect", 200)])
script("publish_empty_payload_and_levels")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}//", 0), (f"t/{ns}/+/", 1)])), E,
    ("send", publish(f"t/{ns}//", b"") + publish(f"t/{ns}/x/", b"y")), E])
script("unsubscribe_several")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}/a", 0), (f"t/{ns}/b", 1)])), E,
    ("send", unsubscribe(2, [f"t/{ns}/a", f"t/{ns}/b", f"t/{ns}/c"])), E,
    ("send", publish(f"t/{ns}/a", b"x") + publish(f"t/{ns}/b", b"y")), E])
script("subscribe_same_filter_twice_in_one")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"t/{ns}", 0), (f"t/{ns}", 2)])), E,
    ("send", publish(f"t/{ns}", b"x", qos=1, pid=2)), E])

# --- Retained ---------------------------------------------------------------------------------------

script("retained_one_subscribe_overlapping")(lambda ns: ok("c" + ns) + [
    ("send", publish(f"r/{ns}/a", b"kept", retain=True)), E,
    ("send", "B", connect("b" + ns)), E,
    ("send", "B", subscribe(1, [(f"r/{ns}/a", 0), (f"r/{ns}/+", 0), (f"r/{ns}/#", 0)])), E])
script("retained_separate_subscribes")(lambda ns: ok("c" + ns) + [
    ("send", publish(f"r/{ns}/a", b"kept", qos=1, retain=True, pid=1)), E,
    ("send", "B", connect("b" + ns)), E,
    ("send", "B", subscribe(1, [(f"r/{ns}/a", 1)])), E,
    ("send", "B", subscribe(2, [(f"r/{ns}/+", 0)])), E,
    ("send", "B", subscribe(3, [(f"r/{ns}/#", 1)])), E,
    ("send", "B", subscribe(4, [(f"r/{ns}/a", 0)])), E])
script("retained_several_topics")(lambda ns: ok("c" + ns) + [
    ("send", b"".join(publish(f"r/{ns}/{t}", t.encode(), retain=True)
                      for t in ("a", "b/c", "b", "c", "d/e/f", "g", "h/i"))
     + publish(f"r/{ns}", b"3", retain=True)), E,
    ("send", "B", connect("b" + ns)), E,
    ("send", "B", subscribe(1, [(f"r/{ns}/#", 0)])), E])
script("retained_cleared_by_empty")(lambda ns: ok("c" + ns) + [
    ("send", publish(f"r/{ns}/a", b"kept", retain=True)), E,
    ("send", publish(f"r/{ns}/a", b"", retain=True)), E,
    ("send", "B", connect("b" + ns)), E, ("send", "B", subscribe(1, [(f"r/{ns}/#", 0)])), E])
script("retained_live_flag")(lambda ns: ok("c" + ns) + [
    ("send", subscribe(1, [(f"r/{ns}/a", 0)])), E,
    ("send", publish(f"r/{ns}/a", b"live", retain=True)), E])
script("retained_qos_downgrade")(lambda ns: ok("c" + ns) + [
    ("send", publish(f"r/{ns}/a", b"q2", qos=2, retain=True, pid=3)), E, ("send", PUBREL(3)), E,
    ("send", "B", connect("b" + ns)), E, ("send", "B", subscribe(1, [(f"r/{ns}/a", 1)])), E])

# --- Will ---------------------------------------------------------------------------------------------


def _will(ns, qos=0, retain=False):
    return [("send", "S", connect("s" + ns) + subscribe(1, [(f"w/{ns}", 2)])), E,
            ("send", "A", connect("c" + ns, will=(f"w/{ns}", b"gone", qos, retain))), E]


script("will_on_abnormal_close")(lambda ns: _will(ns) + [("close", "A"), ("expect", 200)])
script("will_not_on_disconnect")(lambda ns: _will(ns) + [("send", "A", DISCONNECT), ("expect", 200)])
script("will_on_protocol_error")(lambda ns: _will(ns) + [("send", "A", b"\xf0\x00"), ("expect", 200)])
script("will_on_takeover")(lambda ns: _will(ns) + [("send", "B", connect("c" + ns)), ("expect", 200)])
script("will_after_second_connect")(lambda ns: _will(ns) + [("send", "A", connect("c" + ns)), ("expect", 200)])
script("will_on_persistent_takeover")(lambda ns: [
    ("send", "S", connect("s" + ns) + subscribe(1, [(f"w/{ns}", 2)])), E,
    ("send", "A", connect("c" + ns, clean=False, will=(f"w/{ns}", b"gone", 0, False))), E,
    ("send", "B", connect("c" + ns, clean=False)), ("expect", 200)])
script("will_on_takeover_clean_to_persistent")(lambda ns: [
    ("send", "S", connect("s" + ns) + subscribe(1, [(f"w/{ns}", 2)])), E,
    ("send", "A", connect("c" + ns, clean=True, will=(f"w/{ns}", b"gone", 0, False))), E,
    ("send", "B", connect("c" + ns, clean=False)), ("expect", 200)])
script("session_after_second_connect")(lambda ns: [
    ("send", "A", connect("c" + ns, clean=False) + subscribe(1, [(f"t/{ns}", 1)])), E,
    ("send", "A", connect("c" + ns, clean=False)), E,
    ("send", "B", connect("c" + ns, clean=False)), E])
script("will_qos2")(lambda ns: _will(ns, qos=2) + [("close", "A"), ("expect", 200),
                                                   ("send", "S", PUBREC(1)), E, ("send", "S", PUBCOMP(1)), E])
script("will_retain")(lambda ns: _will(ns, qos=1, retain=True) + [
    ("close", "A"), ("expect", 200), ("send", "S", PUBACK(1)), E,
    ("send", "C", connect("x" + ns) + subscribe(1, [(f"w/{ns}", 1)])), E])

# --- Topic depth ---------------------------------------------------------------------------------------

script("depth_200_ok")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"{ns}/" + deep(199), 0)])), E,
                                                  ("send", publish(f"{ns}/" + deep(199), b"x")), E])
script("depth_201_publish")(lambda ns: ok("c" + ns) + [("send", publish(f"{ns}/" + deep(200), b"x")), E, ("send", PINGREQ), E])
script("depth_201_subscribe")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"{ns}/" + deep(200), 0)])), E])
script("depth_201_unsubscribe")(lambda ns: ok("c" + ns) + [("send", unsubscribe(1, [f"{ns}/" + deep(200)])), E])
script("depth_201_will")(lambda ns: ok("c" + ns, will=(f"{ns}/" + deep(200), b"x", 0, False)))
script("depth_202_publish")(lambda ns: ok("c" + ns) + [("send", publish(f"{ns}/" + deep(201), b"x")), E])
script("depth_202_subscribe")(lambda ns: ok("c" + ns) + [("send", subscribe(1, [(f"{ns}/" + deep(201), 0)])), E])
script("depth_202_will")(lambda ns: ok("c" + ns, will=(f"{ns}/" + deep(201), b"x", 0, False)))


# Differences nobody has decided about: strict xfail keeps them visible (see the report).
# None today (the wrong-kind acknowledgements close as in Mosquitto; the rest are allow-listed).
UNEXPLAINED = {}


def _param(sc):
    marks = [pytest.mark.xfail(strict=True, reason=UNEXPLAINED[sc.name])] if sc.name in UNEXPLAINED else []
    return pytest.param(sc, id=sc.name, marks=marks)


@pytest.fixture(scope="module")
def outcomes(pair):
    """All hand-written scripts at once (each has its own namespace on the brokers), run as the
    campaign runs them (Pair.arun: sentinels, a paced re-run of a difference)."""
    async def run_all():
        return await asyncio.gather(*(pair.arun(sc) for sc in SCRIPTS))
    done = dict(zip((sc.name for sc in SCRIPTS), asyncio.run(run_all())))
    assert pair.nave.alive() and pair.mosquitto.alive(), "a broker died"
    return done


@pytest.mark.parametrize("sc", [_param(sc) for sc in SCRIPTS])
def test_script(outcomes, sc):
    outcome = outcomes[sc.name]
    assert outcome.verdict in ("match", "allowed"), "\n" + outcome.report()


def test_allow_list_entries_are_used(outcomes):
    """Each allow-list entry is still needed by a hand-written script (no dead entries)."""
    needed = {"mqtt5": "connect_mqtt5", "depth-201-levels": "depth_201_subscribe",
              "strict-fixed-header": "pingreq_with_flags", "qos2-onward-delivery": "qos2_self",
              "overlap-max-qos": "overlapping_live", "retained-order": "retained_several_topics",
              "server-to-client-packet": "unsuback_from_client", "maximum-packet-size": "publish_400kb",
              "inflight-window": "inflight_window_40_unacked",
              "subscriptions-per-client": "subscribe_101_filters",
              "reused-qos2-packet-id": "qos2_reused_id_different_message",
              "ack-for-onward-delivery": "pubrec_for_onward_qos1_delivery",
              "will-after-second-connect": "will_after_second_connect",
              "will-on-persistent-takeover": "will_on_persistent_takeover",
              "session-after-second-connect": "session_after_second_connect"}
    assert {e.name for e in d.ALLOW_LIST} == set(needed)
    for entry, name in needed.items():
        out = outcomes[name]
        assert out.verdict == "allowed" and f"[{entry}]" in out.reason, out.report()


@pytest.fixture(scope="module")
def random_slice(pair):
    count = int(os.environ.get("NAVE_DIFF_SEQUENCES", "1000"))
    seed = int(os.environ.get("NAVE_DIFF_SEED", "1"))
    stats, first = d.campaign(pair, seed, count, log=lambda *_: None)
    assert pair.nave.alive() and pair.mosquitto.alive(), "a broker died"
    reports = [d.minimise(pair, out.script, out, budget=15).report() for out in first]
    return seed, stats, reports


def test_random_slice(random_slice):
    """No difference that is neither allowed nor already known (a new finding fails here)."""
    seed, stats, reports = random_slice
    assert stats["unexplained"] == 0, f"seed {seed}: {stats}\n\n" + "\n\n".join(reports)


def test_random_slice_has_no_known_differences(random_slice):
    seed, stats, _ = random_slice
    assert stats["known"] == 0, f"seed {seed}: {stats}"


def test_compositions(outcomes):
    """Outcomes with several allowed differences at once, each justified on its own (the
    classifier applies the normalisers in turn until the transcripts agree)."""
    expected = {"qos2_retained_clear_before_pubrel": ["qos2-onward-delivery"],
                "shifted_id_wrong_kind_in_mosquitto": ["qos2-onward-delivery", "ack-for-onward-delivery"],
                "will_retained_after_second_connect": ["will-after-second-connect"],
                "qos2_onward_overlap_raised": ["qos2-onward-delivery"],
                "qos2_late_subscriber_wrong_ack": ["qos2-onward-delivery", "ack-for-onward-delivery"],
                "zero_byte_then_retained_publish": ["strict-fixed-header"],
                "pubcomp_for_onward_delivery_then_second_connect": ["qos2-onward-delivery",
                                                                    "ack-for-onward-delivery"],
                "overlap_raised_qos_then_pubrec": ["overlap-max-qos", "ack-for-onward-delivery"],
                "overlap_raised_qos_then_suback_from_client": ["overlap-max-qos", "server-to-client-packet"]}
    for name, entries in expected.items():
        out = outcomes[name]
        assert out.verdict == "allowed" and all(f"[{e}]" in out.reason for e in entries), out.report()
