"""Cloud-to-device messaging with the unmodified SDKs (contract §1.8, §2, §4.2, §5.4, §8):
messages queued with `nave c2d send` (Nave's REST route; the service SDK's own send is AMQP,
which comes later) reach azure-iot-device's `on_message_received` with their properties, are
completed by the device's PUBACK, wait for an offline device, expire, are purged with the
service SDK, and can be taken over the HTTPS device API with a device SAS."""
import base64
import hashlib
import hmac
import json
import queue
import time
import urllib.parse

import requests
from azure.iot.hub import IoTHubHttpRuntimeManager

from conftest import nave
from devices import device_sas, wait_until


def create_device(registry, device_id):
    return registry.create_device_with_sas(device_id, None, None, "enabled").authentication.symmetric_key.primary_key


def send(node, device_id, body, *props, ack=None, ttl=None, check=True):
    args = ["c2d", "send", "--data-dir", str(node.data_dir), "--device-id", device_id]
    for prop in props:
        args += ["--prop", prop]
    if ack:
        args += ["--ack", ack]
    if ttl:
        args += ["--ttl", str(ttl)]
    result = nave(*args, "--", body, check=check)
    return json.loads(result.stdout) if result.returncode == 0 else result


def listening_client(node, device_id, key):
    """A connected device client whose C2D messages land in the returned queue."""
    received = queue.Queue()
    client = node.device_client(device_id, key)
    client.on_message_received = received.put
    return client, received


def drain(received, seconds):
    """Everything that arrives within `seconds`."""
    messages = []
    deadline = time.monotonic() + seconds
    while True:
        try:
            messages.append(received.get(timeout=max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            return messages


def feedback_records(node):
    """Every feedback record waiting, each batch completed with its ETag lock token (§5.4)."""
    runtime = IoTHubHttpRuntimeManager.from_connection_string(node.service_connection_string())
    records = []
    while True:
        raw = runtime.protocol.cloud_to_device_messages.receive_feedback_notification(raw=True)
        if raw.response.status_code == 204:
            return records
        assert raw.response.status_code == 200
        assert raw.response.headers["Content-Type"] == "application/vnd.microsoft.iothub.feedback.json"
        records += raw.response.json()
        runtime.complete_feedback_notification(raw.response.headers["ETag"].strip('"'))


def pending(registry, device_id):
    return registry.get_device(device_id).cloud_to_device_message_count


def test_message_with_properties_is_delivered_and_completed_by_puback(node, registry, unique_id):
    key = create_device(registry, unique_id)
    client, received = listening_client(node, unique_id, key)
    try:
        assert wait_until(lambda: registry.get_device(unique_id).connection_state == "Connected")
        time.sleep(0.3)  # the SUBSCRIBE follows the handler's auto-connect
        sent = send(node, unique_id, '{"cmd":"on"}', "messageId=m1", "correlationId=c1", "contentType=application/json",
                    "contentEncoding=utf-8", "color=dark red", ack="full")
        assert sent["messageId"] == "m1"
        message = received.get(timeout=10)
        assert message.data == b'{"cmd":"on"}'
        assert message.message_id == "m1" and message.correlation_id == "c1"
        assert message.content_type == "application/json" and message.content_encoding == "utf-8"
        assert message.custom_properties == {"color": "dark red"}
        assert message.ack == "full"
        assert wait_until(lambda: pending(registry, unique_id) == 0)
    finally:
        client.shutdown()
    records = [r for r in feedback_records(node) if r["deviceId"] == unique_id]
    assert [(r["originalMessageId"], r["statusCode"], r["description"]) for r in records] == [("m1", "Success", "Success")]

    # Completed: a second connection of the same device gets nothing more.
    again, received_again = listening_client(node, unique_id, key)
    try:
        assert drain(received_again, 2) == []
    finally:
        again.shutdown()


def test_messages_sent_while_offline_arrive_in_order_without_duplicates(node, registry, unique_id):
    key = create_device(registry, unique_id)
    for index in range(3):
        send(node, unique_id, f"offline-{index}", f"messageId=o{index}")
    assert pending(registry, unique_id) == 3
    client, received = listening_client(node, unique_id, key)
    try:
        messages = [received.get(timeout=10) for _ in range(3)]
        assert [m.data for m in messages] == [b"offline-0", b"offline-1", b"offline-2"]
        assert [m.message_id for m in messages] == ["o0", "o1", "o2"]
        assert wait_until(lambda: pending(registry, unique_id) == 0)
    finally:
        client.shutdown()
    again, received_again = listening_client(node, unique_id, key)
    try:
        assert drain(received_again, 2) == []
    finally:
        again.shutdown()


def test_expired_message_is_not_delivered_and_gives_expired_feedback(node, registry, unique_id):
    key = create_device(registry, unique_id)
    send(node, unique_id, "too late", "messageId=late", ack="negative", ttl=1)
    time.sleep(2)
    assert pending(registry, unique_id) == 0
    client, received = listening_client(node, unique_id, key)
    try:
        assert drain(received, 1.5) == []
    finally:
        client.shutdown()
    records = [r for r in feedback_records(node) if r["deviceId"] == unique_id]
    assert [(r["originalMessageId"], r["statusCode"]) for r in records] == [("late", "Expired")]


def service_token(node, policy="iothubowner"):
    """A service SAS token as azure-iot-hub signs it (contract §4.1)."""
    key = node.service_connection_string(policy).split("SharedAccessKey=", 1)[1]
    expiry = int(time.time()) + 3600
    signature = base64.b64encode(hmac.new(base64.b64decode(key), f"localhost\n{expiry}".encode(), hashlib.sha256).digest())
    return f"SharedAccessSignature sr=localhost&sig={urllib.parse.quote(signature)}&se={expiry}&skn={policy}"


def test_queue_holds_fifty_and_the_service_sdk_purges_them(node, registry, unique_id):
    create_device(registry, unique_id)
    headers = {"Authorization": service_token(node), "Content-Type": "application/json"}
    for index in range(50):
        response = requests.post(f"https://localhost/messages/devicebound/{unique_id}?api-version=2021-04-12",
                                 data=json.dumps({"body": f"m{index}"}), headers=headers, verify=node.ca_path, timeout=10)
        assert response.status_code == 200
    refused = send(node, unique_id, "one too many", check=False)
    assert refused.returncode != 0 and "403004" in refused.stderr
    assert pending(registry, unique_id) == 50
    result = registry.protocol.cloud_to_device_messages.purge_cloud_to_device_message_queue(unique_id)
    assert result.total_messages_purged == 50 and result.device_id == unique_id
    assert pending(registry, unique_id) == 0
    assert json.loads(nave("c2d", "purge", "--data-dir", str(node.data_dir), "--device-id", unique_id).stdout)["totalMessagesPurged"] == 0


def test_https_device_api_receives_completes_rejects_and_sends_telemetry(node, registry, unique_id):
    key = create_device(registry, unique_id)
    other_key = create_device(registry, unique_id + "-other")
    send(node, unique_id, "first", "messageId=h1", "color=blue", ack="positive")
    send(node, unique_id, "second", "messageId=h2", ack="negative")
    base = f"https://localhost/devices/{unique_id}/messages"
    query = {"api-version": "2019-10-01"}
    auth = {"Authorization": device_sas("localhost", unique_id, key, int(time.time()) + 3600)}

    stranger = {"Authorization": device_sas("localhost", unique_id + "-other", other_key, int(time.time()) + 3600)}
    assert requests.get(f"{base}/deviceBound", params=query, headers=stranger, verify=node.ca_path, timeout=10).status_code == 401
    assert requests.get(f"{base}/deviceBound", params=query, verify=node.ca_path, timeout=10).status_code == 401

    first = requests.get(f"{base}/deviceBound", params=query, headers=auth, verify=node.ca_path, timeout=10)
    assert first.status_code == 200 and first.content == b"first"
    assert first.headers["iothub-messageid"] == "h1" and first.headers["iothub-ack"] == "positive"
    assert first.headers["iothub-app-color"] == "blue" and first.headers["iothub-deliverycount"] == "1"
    lock = first.headers["ETag"].strip('"')
    completed = requests.delete(f"{base}/deviceBound/{lock}", params=query, headers=auth, verify=node.ca_path, timeout=10)
    assert completed.status_code == 204

    second = requests.get(f"{base}/deviceBound", params=query, headers=auth, verify=node.ca_path, timeout=10)
    assert second.status_code == 200 and second.content == b"second"
    lock = second.headers["ETag"].strip('"')
    abandoned = requests.post(f"{base}/deviceBound/{lock}/abandon", params=query, headers=auth, verify=node.ca_path, timeout=10)
    assert abandoned.status_code == 204
    retried = requests.get(f"{base}/deviceBound", params=query, headers=auth, verify=node.ca_path, timeout=10)
    assert retried.content == b"second" and retried.headers["iothub-deliverycount"] == "2"
    lock = retried.headers["ETag"].strip('"')
    rejected = requests.delete(f"{base}/deviceBound/{lock}?reject&api-version=2019-10-01", headers=auth,
                               verify=node.ca_path, timeout=10)
    assert rejected.status_code == 204
    assert requests.get(f"{base}/deviceBound", params=query, headers=auth, verify=node.ca_path, timeout=10).status_code == 204

    records = [r for r in feedback_records(node) if r["deviceId"] == unique_id]
    assert [(r["originalMessageId"], r["statusCode"]) for r in records] == [("h1", "Success"), ("h2", "Rejected")]

    telemetry = requests.post(f"{base}/events", params=query, data=b'{"t":21}',
                              headers={**auth, "iothub-messageid": "t1", "iothub-app-alert": "true"},
                              verify=node.ca_path, timeout=10)
    assert telemetry.status_code == 204
    registry.delete_device(unique_id + "-other")


def test_queued_message_survives_a_restart(node, registry, unique_id):
    key = create_device(registry, unique_id)
    send(node, unique_id, "durable", "messageId=d1", "k=v")
    node.restart()
    client, received = listening_client(node, unique_id, key)
    try:
        message = received.get(timeout=10)
        assert (message.data, message.message_id, message.custom_properties) == (b"durable", "d1", {"k": "v"})
        assert wait_until(lambda: pending(registry, unique_id) == 0)
    finally:
        client.shutdown()
