"""The hub's metrics on the admin listener (issue #16, docs/metrics.md), moved by the real
SDKs: a C2D send over AMQP (queue depth, `sent`, AMQP in), a device completing it, direct
method calls answered and unreachable, twin reads and patches, events read by an Event Hubs
client (AMQP out), and a webhook endpoint whose receiver is down (backlog above zero)."""
import socket
import time
import urllib.request

from azure.iot.device import Message
from azure.iot.hub import IoTHubRegistryManager
from azure.iot.hub.models import TwinProperties, Twin
from prometheus_client.parser import text_string_to_metric_families

from test_c2d_amqp import send_c2d
from test_eventhub import Reader, has_body
from test_methods import answer_methods, method, primary_key, status_of
from test_routing import routing

ADMIN = "http://127.0.0.1:9600/metrics"  # admin.listeners' default


def scrape():
    """{(name, frozenset(labels)): value} of every sample."""
    with urllib.request.urlopen(ADMIN, timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def moved(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


def wait_until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples = scrape()
        if condition(samples):
            return samples
        time.sleep(0.1)
    return scrape()


def test_c2d_depth_and_outcomes_and_amqp_in(node, device):
    manager = IoTHubRegistryManager.from_connection_string(node.service_connection_string())
    before = scrape()
    assert send_c2d(manager, device.device_id, "hello") is None
    after = scrape()
    assert moved(before, after, "nave_c2d_messages_total", outcome="sent") == 1
    assert moved(before, after, "nave_c2d_queue_depth") == 1
    assert moved(before, after, "nave_messages_in_total", protocol="amqp") == 1
    client = node.device_client(device.device_id, primary_key(device))
    client.connect()
    try:
        assert client.receive_message(timeout=10).data == b"hello"
        done = wait_until(lambda s: moved(before, s, "nave_c2d_messages_total", outcome="completed") == 1)
        assert moved(before, done, "nave_c2d_messages_total", outcome="completed") == 1
        assert moved(before, done, "nave_c2d_queue_depth") == 0
    finally:
        client.shutdown()


def test_method_outcomes(node, registry, device):
    before = scrape()
    assert status_of(lambda: registry.invoke_device_method(device.device_id, method()))[0] == 404
    client = node.device_client(device.device_id, primary_key(device))
    answer_methods(client, 200, {"ok": True})
    try:
        assert registry.invoke_device_method(device.device_id, method("reboot")).status == 200
    finally:
        client.shutdown()
    after = scrape()
    assert moved(before, after, "nave_method_calls_total", outcome="unreachable") == 1
    assert moved(before, after, "nave_method_calls_total", outcome="answered") == 1
    assert moved(before, after, "nave_method_calls_total", outcome="timeout") == 0
    # The console is mounted on the same listener (its default): REST requests still count.
    assert moved(before, after, "nave_rest_requests_total", route="methods", status="404") == 1
    assert moved(before, after, "nave_rest_requests_total", route="methods", status="200") == 1


def test_twin_operations(node, registry, device):
    before = scrape()
    twin = registry.get_twin(device.device_id)
    registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"fan": 1})), twin.etag)
    registry.replace_twin(device.device_id, Twin(tags={"site": "a"}, properties=TwinProperties(desired={"fan": 2})))
    client = node.device_client(device.device_id, primary_key(device))
    client.connect()
    try:
        client.patch_twin_reported_properties({"temp": 20})
    finally:
        client.shutdown()
    after = scrape()
    for op in ("get", "update", "replace", "reported"):
        assert moved(before, after, "nave_twin_operations_total", op=op) >= 1, op


def test_events_read_over_amqp_count_as_amqp_out(node, device, consumer):
    client = node.device_client(device.device_id, primary_key(device))
    client.connect()
    try:
        client.send_message(Message("metrics-event"))
    finally:
        client.shutdown()
    before = scrape()
    with Reader(consumer(), starting_position="-1") as reader:
        assert reader.collect(has_body(device.device_id, "metrics-event"))
    after = scrape()
    assert moved(before, after, "nave_messages_out_total", protocol="amqp") >= 1


def test_webhook_endpoint_with_its_receiver_down_has_a_backlog(node, device, unique_id):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: every delivery fails and is retried
    name = "down" + unique_id[-5:]
    routing(node, "endpoint", "create", "--endpoint-name", name, "--endpoint-type", "webhook",
            "--url", f"http://127.0.0.1:{port}/hook")
    routing(node, "route", "create", "--route-name", name, "--endpoint-name", name,
            "--condition", f"$connectionDeviceId = '{unique_id}'")
    try:
        client = node.device_client(device.device_id, primary_key(device))
        client.connect()
        try:
            for i in range(3):
                client.send_message(Message(f"m{i}"))
        finally:
            client.shutdown()
        after = wait_until(lambda s: value(s, "nave_routing_endpoint_backlog", endpoint=name) >= 3)
        assert value(after, "nave_routing_endpoint_backlog", endpoint=name) == 3
        assert value(after, "nave_routing_delivered_total", endpoint=name) == 0
        assert ("nave_routing_dead_lettered_total", frozenset({("endpoint", name)})) in after
        assert ("nave_routing_dropped_total", frozenset()) in after
        assert ("nave_routing_problems_total", frozenset()) in after
    finally:
        routing(node, "route", "delete", "--route-name", name, check=False)
        routing(node, "endpoint", "delete", "--endpoint-name", name, check=False)
