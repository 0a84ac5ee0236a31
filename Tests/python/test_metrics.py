"""The admin listener of a real `nave serve` (issue #16): health answers, and /metrics, read
with urllib and parsed by prometheus_client's parser, moves under paho-mqtt traffic."""
import json
import time
import urllib.error
import urllib.request

import paho.mqtt.client as mqtt
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from conftest import Broker
from test_grafana_dashboard import documented_metrics


@pytest.fixture(scope="module")
def node():
    b = Broker(extra_env={"IO_LOOPS": "2"})
    yield b
    b.stop()


def get(node, path, accept=None):
    request = urllib.request.Request(f"http://127.0.0.1:{node.admin_port}{path}")
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read().decode()


def scrape(node):
    """{(name, frozenset(labels)): value} of every sample."""
    status, content_type, text = get(node, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def connected_client(node, client_id):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect("127.0.0.1", node.port)
    client.loop_start()
    return client


def test_health(node):
    assert get(node, "/health/live")[0] == 200
    status, content_type, body = get(node, "/health/ready")
    assert (status, json.loads(body)) == (200, {"status": "ready"})
    assert get(node, "/nope")[0] == 404


def test_counters_move_and_connections_gauge_is_right(node):
    listener = f"127.0.0.1:{node.port}"
    before = scrape(node)
    assert value(before, "nave_connections", protocol="mqtt", listener=listener) == 0
    clients = [connected_client(node, f"metrics-{i}") for i in range(3)]
    try:
        received = []
        clients[0].on_message = lambda c, u, m: received.append(m.payload)
        clients[0].subscribe("metrics/t", qos=1)
        time.sleep(0.3)
        for i in range(10):
            clients[1].publish("metrics/t", b"x%d" % i, qos=1).wait_for_publish(5)
        for i in range(5):
            clients[2].publish("metrics/t", b"y%d" % i, qos=0)
        deadline = time.monotonic() + 5
        while len(received) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = scrape(node)
        assert value(after, "nave_connections", protocol="mqtt", listener=listener) == 3
        assert value(after, "nave_connects_total", protocol="mqtt") - value(before, "nave_connects_total", protocol="mqtt") == 3
        assert value(after, "nave_messages_in_total", protocol="mqtt", qos="1") - value(before, "nave_messages_in_total", protocol="mqtt", qos="1") == 10
        assert value(after, "nave_messages_in_total", protocol="mqtt", qos="0") - value(before, "nave_messages_in_total", protocol="mqtt", qos="0") == 5
        out_delta = sum(value(after, "nave_messages_out_total", protocol="mqtt", qos=q) - value(before, "nave_messages_out_total", protocol="mqtt", qos=q)
                        for q in ("0", "1"))
        assert out_delta == len(received) == 15
        assert value(after, "nave_sessions") >= 3
    finally:
        for client in clients:
            client.disconnect()
            client.loop_stop()
    deadline = time.monotonic() + 5
    while value(scrape(node), "nave_connections", protocol="mqtt", listener=listener) != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value(scrape(node), "nave_connections", protocol="mqtt", listener=listener) == 0


def test_openmetrics_on_request_and_every_name_is_documented(node):
    status, content_type, text = get(node, "/metrics", accept="application/openmetrics-text; version=1.0.0")
    assert status == 200 and content_type.startswith("application/openmetrics-text")
    families = list(parse_openmetrics(text))
    names = {f.name for f in families}
    assert "nave_connects" in names  # a counter family, without _total in OpenMetrics
    documented = documented_metrics()
    for family in families:
        exposed = family.name + "_total" if family.type == "counter" else family.name
        assert exposed in documented, f"{exposed} is exposed but not in docs/metrics.md"
