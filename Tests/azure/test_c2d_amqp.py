"""Cloud-to-device messages sent with the service SDK's own send, `IoTHubRegistryManager.
send_c2d_message`: AMQP over TLS on 5671 through uamqp 1.6.11, SASL MSSBCBS, a CBS put-token, a
sender link to /messages/devicebound (contract §5, §7 scenarios 11-16, §8). uamqp trusts the test
CA through SSL_CERT_FILE (§0.2), which the conftest sets.

uamqp's send blocks until the server settles the delivery (§5.3), and an untrusted or silent
server shows up as its 60 s authorisation timeout, so every send runs in a thread with a
deadline and a test fails with what it was waiting for instead of hanging.
"""
import queue
import threading
import time

import pytest
from azure.iot.hub import IoTHubRegistryManager

from test_c2d import create_device, drain, feedback_records, listening_client, pending
from devices import wait_until


class SendTimedOut(AssertionError):
    pass


def send_c2d(manager, device_id, body, properties=None, seconds=10):
    """`manager.send_c2d_message(...)` with a deadline: returns None once the server accepted
    the message, the exception the SDK raised otherwise."""
    outcome = queue.Queue()

    def run():
        try:
            manager.send_c2d_message(device_id, body, properties or {})
            outcome.put(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome.put(error)

    threading.Thread(target=run, daemon=True).start()
    try:
        return outcome.get(timeout=seconds)
    except queue.Empty:
        raise SendTimedOut(f"send_c2d_message({device_id!r}) did not return within {seconds} s: uamqp waits for the "
                           "server to settle the delivery (contract §5.3), or for the CBS put-token reply (§5.2)") from None


def sent(manager, device_id, body, properties=None, seconds=10):
    error = send_c2d(manager, device_id, body, properties, seconds)
    assert error is None, f"send_c2d_message({device_id!r}) raised {error!r}"


@pytest.fixture
def c2d(node):
    """Makes registry managers (each with its own AMQP connection, opened at the first send) and
    disconnects them after the test, which also spares the interpreter-exit TypeError (§5.1)."""
    managers = []

    def make(connection_string=None):
        manager = IoTHubRegistryManager.from_connection_string(connection_string or node.service_connection_string())
        managers.append(manager)
        return manager

    yield make
    for manager in managers:
        closing = threading.Thread(target=manager.amqp_svc_client.disconnect_sync, daemon=True)
        closing.start()
        closing.join(10)


def test_message_with_properties_reaches_the_device_and_full_ack_gives_feedback(node, registry, c2d, unique_id):
    """§5.3's example message, §7 scenarios 11 and 13."""
    key = create_device(registry, unique_id)
    client, received = listening_client(node, unique_id, key)
    try:
        assert wait_until(lambda: registry.get_device(unique_id).connection_state == "Connected")
        time.sleep(0.3)  # the SUBSCRIBE follows the handler's auto-connect
        expiry_ms = int(time.time() * 1000) + 3_600_000
        sent(c2d(), unique_id, '{"cmd":"on"}', {
            "contentType": "application/json", "contentEncoding": "utf-8", "correlationId": "corr-9",
            "messageId": "c2d-1", "expiryTimeUtc": expiry_ms, "iothub-ack": "full", "color": "dark red"})
        try:
            message = received.get(timeout=10)
        except queue.Empty:
            raise AssertionError("the accepted C2D message did not reach the device within 10 s") from None
        assert message.data == b'{"cmd":"on"}'
        assert message.message_id == "c2d-1" and message.correlation_id == "corr-9"
        assert message.content_type == "application/json" and message.content_encoding == "utf-8"
        assert message.custom_properties == {"color": "dark red"}, "every non-system key, iothub-ack aside"
        assert message.ack == "full"
        assert message.expiry_time_utc, "absolute-expiry-time should reach the device as $.exp"
        assert wait_until(lambda: pending(registry, unique_id) == 0), "the PUBACK completes the message"
    finally:
        client.shutdown()
    records = [r for r in feedback_records(node) if r["deviceId"] == unique_id]
    assert [(r["originalMessageId"], r["statusCode"]) for r in records] == [("c2d-1", "Success")]
    assert drain(received, 0.5) == []


def test_default_message_id_and_string_body(node, registry, c2d, unique_id):
    """No properties: the SDK's message id is a uuid4 string; the body arrives as sent."""
    key = create_device(registry, unique_id)
    manager = c2d()
    sent(manager, unique_id, "plain")
    client, received = listening_client(node, unique_id, key)
    try:
        message = received.get(timeout=10)
        assert message.data == b"plain"
        assert message.message_id and len(message.message_id) == 36, message.message_id
        assert message.custom_properties == {}
    finally:
        client.shutdown()


def test_unknown_device_is_rejected_and_the_connection_stays_usable(registry, c2d, unique_id):
    """§5.3: rejected{amqp:not-found} → Exception("C2D message send failure") at once; §7 scenario 14."""
    create_device(registry, unique_id)
    manager = c2d()
    sent(manager, unique_id, "warm-up")       # the connection and the link are up
    started = time.monotonic()
    error = send_c2d(manager, f"{unique_id}-nope", "x")
    assert error is not None, "a message to an unregistered device was accepted"
    assert "C2D message send failure" in str(error), repr(error)
    assert time.monotonic() - started < 5
    sent(manager, unique_id, "after")
    assert pending(registry, unique_id) == 2


def test_fifty_queued_then_the_next_is_rejected(registry, c2d, unique_id):
    """§8: at most 50 pending per device; the 51st → amqp:resource-limit-exceeded; §7 scenario 15."""
    create_device(registry, unique_id)
    manager = c2d()
    started = time.monotonic()
    for index in range(50):
        sent(manager, unique_id, f"m{index}", {"messageId": f"q{index}"})
    error = send_c2d(manager, unique_id, "one too many")
    assert error is not None and "C2D message send failure" in str(error), repr(error)
    assert pending(registry, unique_id) == 50
    assert time.monotonic() - started < 20
    purged = registry.protocol.cloud_to_device_messages.purge_cloud_to_device_message_queue(unique_id)
    assert purged.total_messages_purged == 50
    sent(manager, unique_id, "room again")
    assert pending(registry, unique_id) == 1


def test_messages_sent_while_offline_arrive_in_order(node, registry, c2d, unique_id):
    """§7 scenario 12 through AMQP."""
    key = create_device(registry, unique_id)
    manager = c2d()
    for index in range(3):
        sent(manager, unique_id, f"offline-{index}", {"messageId": f"o{index}"})
    client, received = listening_client(node, unique_id, key)
    try:
        messages = [received.get(timeout=10) for _ in range(3)]
        assert [(m.data, m.message_id) for m in messages] == [(b"offline-0", "o0"), (b"offline-1", "o1"), (b"offline-2", "o2")]
    finally:
        client.shutdown()


def test_absolute_expiry_time_expires_the_message(node, registry, c2d, unique_id):
    """§7 scenario 16: expiryTimeUtc (absolute-expiry-time) now + 1.5 s, device offline: nothing
    delivered, feedback Expired (iothub-ack=negative)."""
    key = create_device(registry, unique_id)
    sent(c2d(), unique_id, "too late", {"messageId": "late", "iothub-ack": "negative",
                                        "expiryTimeUtc": int(time.time() * 1000) + 1500})
    assert wait_until(lambda: pending(registry, unique_id) == 0, seconds=6), "the message did not expire"
    client, received = listening_client(node, unique_id, key)
    try:
        assert drain(received, 1.0) == []
    finally:
        client.shutdown()
    records = [r for r in feedback_records(node) if r["deviceId"] == unique_id]
    assert [(r["originalMessageId"], r["statusCode"]) for r in records] == [("late", "Expired")]


def test_wrong_key_or_policy_is_refused(node, registry, c2d, unique_id):
    """§5.2, §7 scenario 32: a put-token with a wrong key, or for a policy without ServiceConnect,
    gets status 401; the SDK raises."""
    create_device(registry, unique_id)
    good = node.service_connection_string()
    key = good.split("SharedAccessKey=", 1)[1]
    wrong = good.replace(key, "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkhIQ==")
    for name, connection_string in [("wrong key", wrong), ("registryRead", node.service_connection_string("registryRead"))]:
        error = send_c2d(c2d(connection_string), unique_id, "x", seconds=25)
        assert error is not None, f"{name}: the message was accepted"
    assert pending(registry, unique_id) == 0
    sent(c2d(node.service_connection_string("service")), unique_id, "service policy")
    assert pending(registry, unique_id) == 1


def test_sigkill_after_amqp_sends_keeps_every_accepted_message(node, registry, c2d, unique_id):
    """Accepted means stored (§5.3, contract §8): the node answers a devicebound send from its
    loop once the store writer's batch holding it is committed. SIGKILL while four service
    connections keep sending; after the restart each device gets every message whose send was
    accepted."""
    device_ids = [f"{unique_id}-{n}" for n in range(8)]
    keys = {device_id: create_device(registry, device_id) for device_id in device_ids}
    managers = [c2d() for _ in range(4)]
    accepted = set()
    lock = threading.Lock()
    stop = threading.Event()

    def pump(k, manager):
        # 4 senders × at most 80 sends over 8 devices stays under the queue depth of 50 each.
        for n in range(80):
            if stop.is_set():
                return
            device_id, body = device_ids[(k + n) % len(device_ids)], f"s{k}-{n}"
            if send_c2d(manager, device_id, body, seconds=15) is None:
                with lock:
                    accepted.add((device_id, body))

    threads = [threading.Thread(target=pump, args=(k, manager), daemon=True) for k, manager in enumerate(managers)]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: len(accepted) >= 60, seconds=30), f"only {len(accepted)} sends accepted"
    node.kill_and_restart()          # sends and store batches in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=20)
    with lock:
        acked = set(accepted)

    received = set()
    for device_id in device_ids:
        client, messages = listening_client(node, device_id, keys[device_id])
        try:
            wanted = {body for (d, body) in acked if d == device_id}
            deadline = time.monotonic() + 20
            got = set()
            while not wanted <= got and time.monotonic() < deadline:
                got |= {m.data.decode() for m in drain(messages, 0.5)}
            received |= {(device_id, body) for body in got}
        finally:
            client.shutdown()
    missing = acked - received
    assert not missing, f"{len(missing)} of {len(acked)} accepted sends were not delivered after the restart, e.g. {sorted(missing)[:3]}"
