"""Telemetry (D2C) from the unmodified device SDK lands in the durable events endpoint, and
`nave monitor-events --output json` shows it with its properties (contract §1.7, §6.6)."""
import json
import subprocess
import time
from datetime import datetime, timezone

from azure.iot.device import Message

from conftest import NAVE, nave


def monitor(node, *args):
    return subprocess.Popen([NAVE, "monitor-events", "--data-dir", str(node.data_dir), "--output", "json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_telemetry_with_properties_reaches_monitor_events(node, registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    watcher = monitor(node, "--device", unique_id, "--timeout", "4")
    time.sleep(1.0)  # from latest: the monitor must be following before the device sends
    message = Message('{"temp": 21.5}', message_id="mid-1", content_encoding="utf-8", content_type="application/json")
    message.correlation_id = "cid-1"
    message.custom_properties = {"alert": "true", "sp ace": "a/b&c=d", "num": 5}
    client.send_message(message)        # returns after the PUBACK: the event is on disk
    client.send_message("plain string")
    out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    events = [e for e in events if e["systemProperties"]["iothub-message-source"] == "Telemetry"]
    assert [e["body"] for e in events] == ['{"temp": 21.5}', "plain string"]
    first = events[0]
    assert first["deviceId"] == unique_id
    assert first["applicationProperties"] == {"alert": "true", "num": "5", "sp ace": "a/b&c=d"}
    system = first["systemProperties"]
    assert system["message-id"] == "mid-1" and system["correlation-id"] == "cid-1"
    assert system["content-type"] == "application/json" and system["content-encoding"] == "utf-8"
    assert system["iothub-connection-device-id"] == unique_id
    assert '"type":"sas"' in system["iothub-connection-auth-method"]
    enqueued = datetime.fromisoformat(first["enqueuedTime"].replace("Z", "+00:00"))
    assert abs((datetime.now(timezone.utc) - enqueued).total_seconds()) < 60
    client.shutdown()


def test_monitor_from_earliest_and_consumer_group_checkpoints(node, registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    for n in range(3):
        client.send_message(f"m{n}")
    client.shutdown()
    # A reader names an existing group, as on Event Hubs (at most 50 characters).
    group = "g" + unique_id[-49:]
    nave("hub", "consumer-group", "create", group, "--data-dir", str(node.data_dir))
    first = monitor(node, "--device", unique_id, "--from", "earliest", "--consumer-group", group, "--timeout", "3")
    out, _ = first.communicate(timeout=30)
    assert telemetry_bodies(out) == ["m0", "m1", "m2"]
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    client.send_message("m3")
    client.shutdown()
    # The group resumes at its checkpoint: only what came after the first run.
    second = monitor(node, "--device", unique_id, "--consumer-group", group, "--timeout", "3")
    out, _ = second.communicate(timeout=30)
    assert telemetry_bodies(out) == ["m3"]
    nave("hub", "consumer-group", "delete", group, "--data-dir", str(node.data_dir))
    unknown = monitor(node, "--consumer-group", group, "--timeout", "1")
    _, err = unknown.communicate(timeout=30)
    assert unknown.returncode != 0 and "does not exist" in err


def telemetry_bodies(output):
    """Device telemetry only: the device's lifecycle and connection events share the endpoint."""
    events = [json.loads(line) for line in output.splitlines()]
    return [e["body"] for e in events if e["systemProperties"].get("iothub-message-source") == "Telemetry"]


def test_lifecycle_and_connection_state_events_are_recorded(node, registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    time.sleep(1.5)   # connection state is a snapshot (1 s in these tests): one sees it connected,
    client.shutdown()
    time.sleep(1.5)   # the next one disconnected
    watcher = monitor(node, "--device", unique_id, "--from", "earliest", "--timeout", "3")
    out, _ = watcher.communicate(timeout=30)
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [(e["systemProperties"]["iothub-message-source"], e["applicationProperties"].get("opType")) for e in events]
    assert ("deviceLifecycleEvents", "createDeviceIdentity") in kinds
    assert ("deviceConnectionStateEvents", "deviceConnected") in kinds
    assert ("deviceConnectionStateEvents", "deviceDisconnected") in kinds
    # §2.7: a lifecycle event's body is the identity's twin.
    created = next(e for e in events if e["applicationProperties"].get("opType") == "createDeviceIdentity")
    twin = json.loads(created["body"])
    assert twin["deviceId"] == unique_id and twin["etag"] == "AAAAAAAAAAE=" and twin["version"] == 1
    assert twin["properties"]["desired"]["$version"] == 1 and "$metadata" in twin["properties"]["reported"]
