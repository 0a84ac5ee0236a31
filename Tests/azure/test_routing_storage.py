"""A storage routing endpoint (issue #15): twin change and connection-state events of a device,
routed there by source, written as JSON lines under Azure's `{iothub}/{partition}/{YYYY}/{MM}/
{DD}/{HH}/{mm}` names; a file stays `.json.tmp` while its window is open and is complete
(renamed `.json`) after the node restarts."""
import json
import pathlib
import tempfile
import time

from azure.iot.hub.models import Twin, TwinProperties

from test_routing import client_for, routing


def lines(root, suffix):
    found = []
    for path in sorted(pathlib.Path(root).rglob(f"*{suffix}")):
        found += [(path, json.loads(line)) for line in path.read_text().splitlines()]
    return found


def test_twin_and_connection_events_to_storage(node, registry, device, unique_id):
    directory = tempfile.mkdtemp(prefix="nave-storage-")
    name = "files" + unique_id[-5:]
    mine = f"$connectionDeviceId = '{unique_id}'"
    routing(node, "endpoint", "create", "--endpoint-name", name, "--endpoint-type", "storage", "--directory", directory,
            "--batch-frequency", "60")
    routing(node, "route", "create", "--route-name", name + "-twin", "--source", "twinchangeevents", "--endpoint-name", name,
            "--condition", mine)
    routing(node, "route", "create", "--route-name", name + "-conn", "--source", "deviceconnectionstateevents",
            "--endpoint-name", name, "--condition", mine)
    try:
        registry.update_twin(unique_id, Twin(properties=TwinProperties(desired={"mode": "eco"})), "*")
        client = client_for(node, device, unique_id)
        client.send_message("telemetry is not routed here")
        time.sleep(1.5)   # connection state is a snapshot (1 s in these tests): let one see the device connected
        client.shutdown()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(lines(directory, ".json.tmp")) < 3:
            time.sleep(0.1)
        written = lines(directory, ".json.tmp")
        assert all(path.name.endswith(".json.tmp") and path.parts[-7] == "localhost" for path, _ in written), written
        kinds = [(e["applicationProperties"].get("opType"), e["systemProperties"].get("iothub-message-source")) for _, e in written]
        assert kinds[0] == ("updateTwin", "twinChangeEvents")
        assert ("deviceConnected", "deviceConnectionStateEvents") in kinds
        assert written[0][1]["body"]["properties"]["desired"]["mode"] == "eco", "a JSON body is JSON in the file"
        assert all(e["deviceId"] == unique_id for _, e in written)
        # §2.7's common properties on every non-telemetry event.
        for _, event in written:
            assert event["applicationProperties"]["hubName"] == "localhost" and event["applicationProperties"]["deviceId"] == unique_id
            assert event["systemProperties"]["user-id"] == "localhost" and len(event["systemProperties"]["correlation-id"]) == 32
        connected = next(e for _, e in written if e["applicationProperties"].get("opType") == "deviceConnected")
        assert connected["applicationProperties"]["iothub-message-schema"] == "deviceConnectionStateNotification"
        assert len(connected["body"]["sequenceNumber"]) == 64
        node.restart()
        completed = lines(directory, ".json")
        assert len(completed) >= 3 and not list(pathlib.Path(directory).rglob("*.tmp")), "complete after the restart"
    finally:
        for args in (["route", "delete", "--route-name", name + "-twin"], ["route", "delete", "--route-name", name + "-conn"],
                     ["endpoint", "delete", "--endpoint-name", name]):
            routing(node, *args, check=False)
