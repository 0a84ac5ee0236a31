"""The device SDK's session survives what IoT Hub's does (contract §1.5): a SAS renewal
(DISCONNECT, then CONNECT with a new token and the same client id) and a node restart keep the
subscriptions the SDK never sends again; and the whole device surface works over WebSockets."""
import threading
import time

from azure.iot.hub.models import CloudToDeviceMethod

from conftest import nave
from test_methods import answer_methods, primary_key


def call(registry, device_id, connect_timeout=0):
    return registry.invoke_device_method(device_id, CloudToDeviceMethod(
        method_name="ping", payload={"n": 1}, response_timeout_in_seconds=5, connect_timeout_in_seconds=connect_timeout))


def test_sas_renewal_keeps_the_session(node, registry, device):
    # The SDK renews 120 s before expiry: a 125 s token is renewed after about 5 s.
    client = node.device_client(device.device_id, primary_key(device), sastoken_ttl=125)
    answer_methods(client, 200, {"ok": True})
    assert call(registry, device.device_id).status == 200
    connected_since = registry.get_device(device.device_id).connection_state_updated_time
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if registry.get_device(device.device_id).connection_state_updated_time != connected_since:
            break
    assert registry.get_device(device.device_id).connection_state_updated_time != connected_since, \
        "the SDK renewed its token: it disconnected and connected again"
    result = call(registry, device.device_id, connect_timeout=10)
    assert result.status == 200 and result.payload == {"ok": True}, "the methods subscription outlived the renewal"
    client.shutdown()


def test_a_node_restart_keeps_the_subscriptions_the_sdk_never_sends_again(node, registry, device):
    client = node.device_client(device.device_id, primary_key(device), connection_retry=True, connection_retry_interval=1)
    answer_methods(client, 200, {"after": "restart"})
    received = threading.Event()
    client.on_message_received = lambda message: received.set()
    assert call(registry, device.device_id).status == 200
    node.restart()
    # The SDK reconnects by itself and does not subscribe again.
    result = call(registry, device.device_id, connect_timeout=30)
    assert result.status == 200 and result.payload == {"after": "restart"}
    nave("c2d", "send", "--data-dir", str(node.data_dir), "--device-id", device.device_id, "after restart")
    assert received.wait(15), "the C2D subscription was restored too"
    client.shutdown()


def test_methods_twins_and_c2d_over_websockets(node, registry, device):
    client = node.device_client(device.device_id, primary_key(device), websockets=True)
    answer_methods(client, 200, {"via": "websockets"})
    assert call(registry, device.device_id).payload == {"via": "websockets"}
    client.patch_twin_reported_properties({"transport": "ws"})
    assert registry.get_twin(device.device_id).properties.reported["transport"] == "ws"
    received = threading.Event()
    client.on_message_received = lambda message: received.set()
    nave("c2d", "send", "--data-dir", str(node.data_dir), "--device-id", device.device_id, "over websockets")
    assert received.wait(15)
    client.shutdown()
