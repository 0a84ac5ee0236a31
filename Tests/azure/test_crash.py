"""A node killed with SIGKILL under telemetry load loses no acknowledged message: every PUBACK
means the event is on disk (group commit), so after a restart each acknowledged message is in
the log at least once; the registry and device sessions are intact too."""
import json
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

from conftest import NAVE
from devices import RawDevice, device_sas, username


def test_sigkill_under_load_keeps_every_acknowledged_message(node, registry, unique_id):
    devices = [registry.create_device_with_sas(f"{unique_id}-{n}", None, None, "enabled") for n in range(4)]
    # State that must come through the kill as well: a twin change and a queued C2D message.
    from azure.iot.hub.models import Twin, TwinProperties
    registry.update_twin(devices[0].device_id, Twin(properties=TwinProperties(desired={"mode": "eco"})), "*")
    subprocess.run([NAVE, "c2d", "send", "--data-dir", str(node.data_dir), "--device-id", devices[1].device_id, "queued"],
                   check=True, capture_output=True, timeout=60)
    acknowledged = set()
    lock = threading.Lock()
    senders = []
    for device in devices:
        raw = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                        device_sas("localhost", device.device_id, device.authentication.symmetric_key.primary_key, int(time.time()) + 3600))
        raw.client.max_inflight_messages_set(50)
        sent = {}

        def on_publish(_client, _userdata, mid, sent=sent, device_id=device.device_id):
            with lock:
                if mid in sent:
                    acknowledged.add((device_id, sent[mid]))

        raw.client.on_publish = on_publish
        assert raw.connect() == 0
        senders.append((raw, sent, device.device_id))

    stop = threading.Event()

    def pump(raw, sent, device_id):
        n = 0
        while not stop.is_set() and n < 20_000:
            body = f"{device_id}:{n}"
            info = raw.client.publish(f"devices/{device_id}/messages/events/", body, qos=1)
            with lock:
                sent[info.mid] = body
            n += 1
            if n % 50 == 0:
                time.sleep(0.001)

    threads = [threading.Thread(target=pump, args=sender, daemon=True) for sender in senders]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 2000:
                break
        time.sleep(0.05)
    node.kill_and_restart()          # mid-stream: appends and syncs in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    for raw, _, _ in senders:
        raw.client.loop_stop()
    with lock:
        acked = set(acknowledged)
    assert len(acked) >= 500, f"only {len(acked)} acknowledged before the kill"

    stored = set()
    for device in devices:
        out = subprocess.run([NAVE, "monitor-events", "--data-dir", str(node.data_dir), "--output", "json",
                              "--device", device.device_id, "--from", "earliest", "--timeout", "3"],
                             capture_output=True, text=True, timeout=120).stdout
        stored |= {(device.device_id, json.loads(line)["body"]) for line in out.splitlines()}
    missing = acked - stored
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged messages are not in the log, e.g. {sorted(missing)[:3]}"
    # The registry, the twin and the C2D queue survived the kill as well.
    assert {d.device_id for d in registry.get_devices()} >= {d.device_id for d in devices}
    assert registry.get_twin(devices[0].device_id).properties.desired["mode"] == "eco"
    assert registry.get_device(devices[1].device_id).cloud_to_device_message_count == 1
