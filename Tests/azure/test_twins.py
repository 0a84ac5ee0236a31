"""Device and module twins with the unmodified SDKs (contract §1.10, §4.2-§4.4, scenarios 24-28
and 36): the device reads its twin and patches reported properties over MQTT, the back end
reads, patches and replaces it over REST, and desired changes reach the device's handler with
their `$version`."""
import threading
import time

import pytest
from azure.iot.device import IoTHubModuleClient
from azure.iot.hub.models import Twin, TwinProperties
from msrest.exceptions import HttpOperationError


@pytest.fixture
def client(node, device):
    client = node.device_client(device.device_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    yield client
    client.shutdown()


class Patches:
    """A desired-properties handler that records every patch and wakes waiters."""

    def __init__(self):
        self.received = []
        self.changed = threading.Condition()

    def __call__(self, patch):
        with self.changed:
            self.received.append(patch)
            self.changed.notify_all()

    def wait_for_version(self, version, timeout=10):
        """The patch carrying `$version` == version (the SDK may also deliver a whole-desired
        resync patch when it (re)connects, §1.10)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for patch in self.received:
                    if patch.get("$version") == version:
                        return patch
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no desired patch with $version {version}; got {self.received}"
                self.changed.wait(remaining)


def test_device_reads_the_desired_properties_the_back_end_set(registry, device, client):
    registry.update_twin(device.device_id, Twin(tags={"loc": "x"}, properties=TwinProperties(desired={"interval": 5})))
    twin = client.get_twin()
    assert twin["desired"]["interval"] == 5
    assert type(twin["desired"]["$version"]) is int and type(twin["reported"]["$version"]) is int
    assert "tags" not in twin and "$metadata" not in twin["desired"] and "$metadata" not in twin["reported"]


def test_reported_patches_show_in_the_service_twin_with_versions_and_metadata(registry, device, client):
    before = registry.get_twin(device.device_id).properties.reported["$version"]
    client.patch_twin_reported_properties({"fw": "1.2", "tmp": 1})
    client.patch_twin_reported_properties({"tmp": None})
    twin = registry.get_twin(device.device_id)
    reported = twin.properties.reported
    assert reported["fw"] == "1.2" and "tmp" not in reported
    assert reported["$version"] == before + 2
    assert "$lastUpdated" in reported["$metadata"]["fw"]
    assert client.get_twin()["reported"]["fw"] == "1.2"


def test_desired_updates_reach_the_handler_as_deltas_with_their_version(registry, device, client):
    patches = Patches()
    client.on_twin_desired_properties_patch_received = patches
    start = registry.get_twin(device.device_id).properties.desired["$version"]
    registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"interval": 5, "mode": "eco"})))
    registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"interval": 7})))
    assert patches.wait_for_version(start + 1) == {"interval": 5, "mode": "eco", "$version": start + 1}
    assert patches.wait_for_version(start + 2) == {"interval": 7, "$version": start + 2}

    registry.replace_twin(device.device_id, Twin(properties=TwinProperties(desired={"b": 1})))
    assert patches.wait_for_version(start + 3) == {"b": 1, "interval": None, "mode": None, "$version": start + 3}
    desired = registry.get_twin(device.device_id).properties.desired
    assert desired["b"] == 1 and "interval" not in desired and "mode" not in desired


def test_etags_guard_twin_writes(registry, device):
    twin = registry.get_twin(device.device_id)
    assert twin.etag == "AAAAAAAAAAE=" and twin.version == 1
    updated = registry.update_twin(device.device_id, Twin(tags={"loc": "a"}), twin.etag)
    assert updated.etag != twin.etag and updated.version == 2
    for call in (registry.update_twin, registry.replace_twin):
        with pytest.raises(HttpOperationError) as failure:
            call(device.device_id, Twin(tags={"loc": "b"}), twin.etag)
        assert failure.value.response.status_code == 412
    assert registry.update_twin(device.device_id, Twin(tags={"loc": "c"}), "*").tags == {"loc": "c"}
    replaced = registry.replace_twin(device.device_id, Twin(tags={"only": True}), "*")
    assert replaced.tags == {"only": True} and replaced.version == 4


def test_a_device_that_was_offline_catches_up_on_reconnect(registry, device, client):
    patches = Patches()
    client.on_twin_desired_properties_patch_received = patches
    registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"a": 1})))
    version = registry.get_twin(device.device_id).properties.desired["$version"]
    patches.wait_for_version(version)
    client.disconnect()
    registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"b": 2})))
    client.connect()
    # The SDK's twin GET after reconnecting turns the whole desired section into one patch.
    assert patches.wait_for_version(version + 1) == {"a": 1, "b": 2, "$version": version + 1}


def test_unknown_twins_and_bad_bodies(registry, device):
    with pytest.raises(HttpOperationError) as failure:
        registry.get_twin(device.device_id + "-nope")
    assert failure.value.response.status_code == 404
    with pytest.raises(HttpOperationError) as failure:
        registry.update_twin(device.device_id, Twin(properties=TwinProperties(reported={"fw": "x"})))
    assert failure.value.response.status_code == 400
    with pytest.raises(HttpOperationError) as failure:
        registry.update_twin(device.device_id, Twin(properties=TwinProperties(desired={"a.b": 1})))
    assert failure.value.response.status_code == 400


def test_module_twins(node, registry, device):
    module = registry.create_module_with_sas(device.device_id, "m1", "", None, None)
    connection_string = (f"HostName=localhost;DeviceId={device.device_id};ModuleId=m1;"
                         f"SharedAccessKey={module.authentication.symmetric_key.primary_key}")
    client = IoTHubModuleClient.create_from_connection_string(connection_string, server_verification_cert=node.ca_pem,
                                                              connection_retry=False)
    try:
        client.connect()
        patches = Patches()
        client.on_twin_desired_properties_patch_received = patches
        twin = registry.get_module_twin(device.device_id, "m1")
        assert twin.module_id == "m1" and twin.device_id == device.device_id
        start = twin.properties.desired["$version"]
        registry.update_module_twin(device.device_id, "m1", Twin(properties=TwinProperties(desired={"rate": 3})), twin.etag)
        assert patches.wait_for_version(start + 1) == {"rate": 3, "$version": start + 1}
        client.patch_twin_reported_properties({"ok": True})
        assert registry.get_module_twin(device.device_id, "m1").properties.reported["ok"] is True
        assert registry.get_twin(device.device_id).properties.desired.get("rate") is None, "the device's own twin is apart"
        assert client.get_twin()["desired"]["rate"] == 3
    finally:
        client.shutdown()
    registry.delete_module(device.device_id, "m1")
    with pytest.raises(HttpOperationError) as failure:
        registry.get_module_twin(device.device_id, "m1")
    assert failure.value.response.status_code == 404
