"""Direct methods end to end with the unmodified SDKs (contract §1.9, §4.2, §4.4; scenarios
17–23): azure-iot-hub calls `POST /twins/{id}[/modules/{mid}]/methods`, the node publishes
`$iothub/methods/POST/{name}/?$rid=…` to the azure-iot-device client, and its answer on
`$iothub/methods/res/{status}/?$rid=…` comes back as `{"status", "payload"}`."""
import threading
import time

import pytest
from azure.iot.device import IoTHubModuleClient, MethodResponse
from azure.iot.hub.models import CloudToDeviceMethod
from msrest.exceptions import HttpOperationError


def primary_key(identity):
    return identity.authentication.symmetric_key.primary_key


def answer_methods(client, status=200, payload=None, seen=None):
    """Sets the client's method handler (which subscribes to `$iothub/methods/POST/#`); it
    answers every request with `status` and `payload`, or never when `status` is None."""
    def handler(request):
        if seen is not None:
            seen.append(request)
        if status is not None:
            client.send_method_response(MethodResponse.create_from_method_request(request, status, payload))
    client.connect()
    client.on_method_request_received = handler


def method(name="reboot", payload=None, response_timeout=5, connect_timeout=None):
    return CloudToDeviceMethod(method_name=name, payload=payload, response_timeout_in_seconds=response_timeout,
                               connect_timeout_in_seconds=connect_timeout)


def status_of(call):
    """The HTTP status the service SDK raised with, and the seconds the call took."""
    started = time.monotonic()
    with pytest.raises(HttpOperationError) as raised:
        call()
    return raised.value.response.status_code, time.monotonic() - started


def test_answered_method_returns_the_device_status_and_payload(node, registry, device):
    client = node.device_client(device.device_id, primary_key(device))
    seen = []
    answer_methods(client, 200, {"ok": True}, seen)
    try:
        result = registry.invoke_device_method(device.device_id, method("reboot", {"delay": 1}))
        assert result.status == 200
        assert result.payload == {"ok": True}
        assert [(r.name, r.payload) for r in seen] == [("reboot", {"delay": 1})]
    finally:
        client.shutdown()


def test_device_status_passes_through_and_none_payloads_are_null(node, registry, device):
    client = node.device_client(device.device_id, primary_key(device))
    seen = []
    answer_methods(client, 404, {"err": "no such"}, seen)
    try:
        result = registry.invoke_device_method(device.device_id, method("missing"))
        assert (result.status, result.payload) == (404, {"err": "no such"}), "the device's status is not the HTTP status"
        assert seen[0].payload == "", "the SDK sends a None payload as \"\" (contract §4.2)"
    finally:
        client.shutdown()
    client = node.device_client(device.device_id, primary_key(device))
    answer_methods(client, 200, None)
    try:
        assert registry.invoke_device_method(device.device_id, method()).payload is None
    finally:
        client.shutdown()


def test_offline_or_unsubscribed_devices_get_404_at_once(node, registry, device):
    status, seconds = status_of(lambda: registry.invoke_device_method(device.device_id, method()))
    assert status == 404 and seconds < 2, "connect timeout 0: DeviceNotOnline without waiting"
    client = node.device_client(device.device_id, primary_key(device))
    client.connect()
    try:
        status, seconds = status_of(lambda: registry.invoke_device_method(device.device_id, method()))
        assert status == 404 and seconds < 2, "connected but not subscribed to methods"
    finally:
        client.shutdown()
    status, _ = status_of(lambda: registry.invoke_device_method(device.device_id + "-unknown", method()))
    assert status == 404


def test_a_device_that_never_answers_gets_504_after_the_response_timeout(node, registry, device):
    client = node.device_client(device.device_id, primary_key(device))
    seen = []
    answer_methods(client, None, seen=seen)
    try:
        status, seconds = status_of(lambda: registry.invoke_device_method(device.device_id, method(response_timeout=5)))
        assert status == 504
        assert 4.5 <= seconds < 9, "one wait of the response timeout: POSTs are not retried (contract §4.1)"
        assert len(seen) == 1
    finally:
        client.shutdown()


def test_invalid_timeouts_are_400(registry, device):
    status, _ = status_of(lambda: registry.invoke_device_method(device.device_id, method(response_timeout=4)))
    assert status == 400


def test_a_device_that_connects_within_the_connect_timeout_is_called(node, registry, device):
    outcome = {}

    def invoke():
        try:
            outcome["result"] = registry.invoke_device_method(device.device_id, method(connect_timeout=10))
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error

    caller = threading.Thread(target=invoke)
    caller.start()
    time.sleep(2)
    client = node.device_client(device.device_id, primary_key(device))
    answer_methods(client, 200, {"late": "but fine"})
    try:
        caller.join(20)
        assert not caller.is_alive()
        assert "error" not in outcome, outcome.get("error")
        assert outcome["result"].payload == {"late": "but fine"}
    finally:
        client.shutdown()


def test_module_method_reaches_the_module_client(node, registry, device):
    module = registry.create_module_with_sas(device.device_id, "mod1", "", None, None)
    client = IoTHubModuleClient.create_from_connection_string(
        f"HostName=localhost;DeviceId={device.device_id};ModuleId=mod1;SharedAccessKey={primary_key(module)}",
        server_verification_cert=node.ca_pem, connection_retry=False)
    seen = []
    answer_methods(client, 200, {"module": True}, seen)
    try:
        result = registry.invoke_device_module_method(device.device_id, "mod1", method("m", [1, 2]))
        assert (result.status, result.payload) == (200, {"module": True})
        assert [(r.name, r.payload) for r in seen] == [("m", [1, 2])]
        status, _ = status_of(lambda: registry.invoke_device_method(device.device_id, method("m")))
        assert status == 404, "the module's subscription does not make the device reachable"
    finally:
        client.shutdown()
