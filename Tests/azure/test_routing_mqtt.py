"""An `mqtt` routing endpoint (issue #15): device telemetry republished into the general broker
under a topic prefix, seen by a plain paho subscriber on 127.0.0.1:1883 with the application
properties in the topic's property bag and the body as payload."""
import queue
import urllib.parse

import paho.mqtt.client as mqtt

from test_routing import client_for, json_message, routing


def test_mqtt_endpoint_republishes_to_the_general_broker(node, device, unique_id):
    name = "mq" + unique_id[-5:]
    received = queue.Queue()
    subscriber = mqtt.Client(client_id="sub-" + name, protocol=mqtt.MQTTv311)
    subscriber.on_message = lambda client, userdata, message: received.put((message.topic, message.payload, message.qos))
    subscriber.connect("127.0.0.1", 1883)
    subscriber.loop_start()
    result, _ = subscriber.subscribe(f"routed/{unique_id}/#", qos=1)
    assert result == mqtt.MQTT_ERR_SUCCESS
    routing(node, "endpoint", "create", "--endpoint-name", name, "--endpoint-type", "mqtt", "--topic-prefix", "routed")
    routing(node, "route", "create", "--route-name", name, "--endpoint-name", name, "--condition", f"$connectionDeviceId = '{unique_id}'")
    try:
        client = client_for(node, device, unique_id)
        client.send_message(json_message({"temp": 30}, level="critical", note="a b/c"))
        client.send_message("second")
        client.shutdown()
        topic, payload, qos = received.get(timeout=20)
        prefix = f"routed/{unique_id}/messages/events/"
        assert topic.startswith(prefix), topic
        assert dict(urllib.parse.parse_qsl(topic[len(prefix):])) == {"level": "critical", "note": "a b/c"}
        assert payload == b'{"temp": 30}' and qos == 1
        topic, payload, _ = received.get(timeout=20)
        assert topic == prefix and payload == b"second"
    finally:
        subscriber.loop_stop()
        subscriber.disconnect()
        for args in (["route", "delete", "--route-name", name], ["endpoint", "delete", "--endpoint-name", name]):
            routing(node, *args, check=False)
