"""Message routing (issue #15, reference §2) with the unmodified device SDK: a route with a
condition to an `eventhub` endpoint, read back with `nave monitor-events --endpoint`; a message
routed only there is gone from the built-in `events`; the fallback; enrichments stamped only where
they are configured; the configuration and the endpoint's log survive a restart and a SIGKILL.

The node is shared by the session, so every route here also requires the test's own device
(`$connectionDeviceId`) and the configuration is removed afterwards: other tests' telemetry keeps
reaching `events` through the fallback."""
import json
import subprocess

import pytest
from azure.iot.device import Message
from azure.iot.hub.models import Twin

from conftest import NAVE, nave


def routing(node, *args, check=True):
    result = nave(*args, "--data-dir", str(node.data_dir), check=check)
    return json.loads(result.stdout) if check and result.stdout.strip() else result


def read(node, device_id, *extra):
    """Every telemetry event of `device_id` from the start of an endpoint (built-in by default)."""
    run = subprocess.run([NAVE, "monitor-events", "--data-dir", str(node.data_dir), "--output", "json", "--from", "earliest",
                          "--device", device_id, "--timeout", "2", *extra], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    return [e for e in events if e["systemProperties"].get("iothub-message-source") == "Telemetry"]


def json_message(body, **properties):
    message = Message(json.dumps(body), content_encoding="utf-8", content_type="application/json")
    message.custom_properties = properties
    return message


@pytest.fixture
def routed(node, registry, device, unique_id):
    """Endpoint `hot-<n>`, routes `crit` (level critical) → hot and `warm` ($body.temp > 25) → hot
    and events, enrichment `site` from the twin's tags for hot; all removed afterwards."""
    endpoint = "hot" + unique_id[-5:]
    registry.update_twin(unique_id, Twin(tags={"site": "north"}), "*")
    mine = f"$connectionDeviceId = '{unique_id}'"
    routing(node, "endpoint", "create", "--endpoint-name", endpoint, "--endpoint-type", "eventhub")
    routing(node, "route", "create", "--route-name", "crit", "--endpoint-name", endpoint,
            "--condition", f"{mine} AND level = 'critical'")
    routing(node, "route", "create", "--route-name", "warm", "--endpoint-name", endpoint, "--endpoint-name", "events",
            "--condition", f"{mine} AND $body.temp > 25")
    routing(node, "message-enrichment", "create", "--key", "site", "--value", "$twin.tags.site", "--endpoint-names", endpoint)
    yield endpoint
    for args in (["route", "fallback", "--enabled", "true"], ["route", "delete", "--route-name", "crit"],
                 ["route", "delete", "--route-name", "warm"], ["message-enrichment", "delete", "--key", "site"],
                 ["endpoint", "delete", "--endpoint-name", endpoint]):
        routing(node, *args, check=False)


def client_for(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    return client


def test_routes_conditions_fallback_and_enrichments(node, device, unique_id, routed):
    client = client_for(node, device, unique_id)
    client.send_message(json_message({"temp": 30, "n": 1}, level="critical"))    # crit + warm: hot once, events
    client.send_message("plain 2")                                              # no properties: fallback
    text = Message("plain 3")
    text.custom_properties = {"LEVEL": "critical"}                              # names case-insensitive: hot only
    client.send_message(text)
    client.send_message(json_message({"temp": 10, "n": 4}, level="low"))         # no route: fallback to events
    untyped = Message(json.dumps({"temp": 30, "n": 5}))                          # no content type: $body undefined
    untyped.custom_properties = {"level": "low"}
    client.send_message(untyped)
    client.shutdown()

    hot = read(node, unique_id, "--endpoint", routed)
    assert [e["body"] for e in hot] == [json.dumps({"temp": 30, "n": 1}), "plain 3"]
    assert all(e["applicationProperties"].get("site") == "north" for e in hot), hot
    events = read(node, unique_id)
    assert [e["body"] for e in events] == [json.dumps({"temp": 30, "n": 1}), "plain 2", json.dumps({"temp": 10, "n": 4}),
                                           json.dumps({"temp": 30, "n": 5})]
    assert all("site" not in e["applicationProperties"] for e in events), "enrichments only where configured"

    routing(node, "route", "fallback", "--enabled", "false")
    client = client_for(node, device, unique_id)
    client.send_message("dropped")
    client.send_message(json_message({"temp": 40}, level="none"))
    client.shutdown()
    assert [e["body"] for e in read(node, unique_id)][-1] == json.dumps({"temp": 40}), "only what a route sends"
    assert "dropped" not in [e["body"] for e in read(node, unique_id)]


def test_route_test_matches_what_routing_does(node, unique_id, routed, device):
    tested = routing(node, "route", "test", "--device-id", unique_id, "--body", '{"temp": 30}', "--content-type", "application/json",
                     "--content-encoding", "utf-8", "--app-property", "level=low")
    outcomes = {r["name"]: r["result"] for r in tested["routes"]}
    assert outcomes["crit"] == "conditionFalse" and outcomes["warm"] == "matched"
    assert sorted(tested["endpoints"]) == sorted([routed, "events"])
    bad = routing(node, "route", "create", "--route-name", "bad", "--endpoint-name", "events", "--condition", "level = ", check=False)
    assert bad.returncode != 0 and "does not parse" in bad.stderr


def test_routing_and_endpoint_log_survive_restart_and_sigkill(node, device, unique_id, routed):
    client = client_for(node, device, unique_id)
    client.send_message(json_message({"temp": 1}, level="critical"))
    client.shutdown()
    node.restart()
    client = client_for(node, device, unique_id)
    client.send_message(json_message({"temp": 2}, level="critical"))            # PUBACK: durable in the endpoint's log
    client.shutdown()
    node.kill_and_restart()
    bodies = [e["body"] for e in read(node, unique_id, "--endpoint", routed)]
    assert bodies == [json.dumps({"temp": 1}), json.dumps({"temp": 2})]
    assert [r["name"] for r in routing(node, "route", "list")] == ["crit", "warm"]


def test_eventhub_endpoint_is_an_event_hub_over_amqp(node, device, unique_id, routed, consumer, eventhub_connection_string):
    """The `eventhub` endpoint read with azure-eventhub as its own entity (EntityPath=<endpoint>):
    `$management` names it with its partitions, and a receiver from the start gets what the
    route sent there, enriched, and nothing else."""
    import queue
    import threading
    client = client_for(node, device, unique_id)
    client.send_message(json_message({"temp": 31}, level="critical"))
    client.send_message(json_message({"temp": 1}, level="low"))    # to events only
    client.shutdown()
    name = eventhub_connection_string.split("EntityPath=", 1)[1]
    reader = consumer(connection_string=eventhub_connection_string.replace(f"EntityPath={name}", f"EntityPath={routed}"))
    properties = reader.get_eventhub_properties()
    assert properties["eventhub_name"] == routed and len(properties["partition_ids"]) >= 1
    received = queue.Queue()
    thread = threading.Thread(target=reader.receive, daemon=True, kwargs={
        "on_event": lambda context, event: event is not None and received.put(event), "starting_position": "-1"})
    thread.start()
    event = received.get(timeout=20)
    while event.system_properties.get(b"iothub-connection-device-id") != unique_id.encode():
        event = received.get(timeout=20)
    assert event.body_as_str() == json.dumps({"temp": 31})
    assert event.properties[b"site"] == b"north" and event.properties[b"level"] == b"critical"
    assert received.empty() or all(e.system_properties.get(b"iothub-connection-device-id") != unique_id.encode()
                                   for e in list(received.queue))
    missing = consumer(connection_string=eventhub_connection_string.replace(f"EntityPath={name}", "EntityPath=no-such-endpoint"))
    try:
        missing.get_eventhub_properties()
        raise AssertionError("an unknown entity must be refused")
    except Exception as error:  # noqa: BLE001 - the SDK's own error types vary by transport
        assert "AssertionError" not in type(error).__name__
