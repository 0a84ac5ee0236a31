"""The azure-iot-hub 2.7.0 registry manager against Nave's REST API (contract §4): CRUD with
etags, modules, bulk, statistics, and the errors the SDK sees."""
import base64
import json

import pytest
import requests
from azure.iot.hub.models import AuthenticationMechanism, ExportImportDevice, SymmetricKey
from msrest.exceptions import HttpOperationError


def status_of(call):
    with pytest.raises(HttpOperationError) as failure:
        call()
    return failure.value.response.status_code


def test_create_generates_keys_and_crud_follows_etags(registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    assert device.device_id == unique_id
    assert device.etag and device.generation_id
    assert device.status == "enabled" and device.connection_state == "Disconnected"
    keys = device.authentication.symmetric_key
    assert len(base64.b64decode(keys.primary_key)) == 32 and keys.primary_key != keys.secondary_key

    fetched = registry.get_device(unique_id)
    assert fetched.etag == device.etag and fetched.generation_id == device.generation_id

    updated = registry.update_device_with_sas(unique_id, device.etag, keys.primary_key, keys.secondary_key, "disabled")
    assert updated.status == "disabled" and updated.etag != device.etag
    assert updated.generation_id == device.generation_id

    assert status_of(lambda: registry.update_device_with_sas(unique_id, device.etag, None, None, "enabled")) == 412
    assert status_of(lambda: registry.delete_device(unique_id, etag=device.etag)) == 412
    registry.delete_device(unique_id, etag=updated.etag)
    assert status_of(lambda: registry.get_device(unique_id)) == 404


def test_create_twice_is_a_conflict_and_unknown_devices_are_not_found(registry, unique_id):
    registry.create_device_with_sas(unique_id, None, None, "enabled")
    assert status_of(lambda: registry.create_device_with_sas(unique_id, None, None, "enabled")) == 409
    assert status_of(lambda: registry.get_device(unique_id + "-missing")) == 404
    assert status_of(lambda: registry.delete_device(unique_id + "-missing")) == 404
    registry.delete_device(unique_id)


def test_given_keys_are_kept_and_x509_devices_keep_their_thumbprints(registry, unique_id):
    primary = base64.b64encode(b"p" * 32).decode()
    secondary = base64.b64encode(b"s" * 32).decode()
    device = registry.create_device_with_sas(unique_id, primary, secondary, "enabled")
    assert device.authentication.symmetric_key.primary_key == primary
    thumb = "8CB692F3D18F109A32BFC71144559590261FB557"
    x509 = registry.create_device_with_x509(unique_id + "-x509", thumb, None, "enabled")
    assert x509.authentication.type == "selfSigned"
    assert x509.authentication.x509_thumbprint.primary_thumbprint == thumb
    ca = registry.create_device_with_certificate_authority(unique_id + "-ca", "disabled")
    assert ca.authentication.type == "certificateAuthority" and ca.status == "disabled"
    for device_id in (unique_id, unique_id + "-x509", unique_id + "-ca"):
        registry.delete_device(device_id)


def test_list_and_statistics(registry, unique_id):
    before = registry.get_device_registry_statistics()
    ids = [f"{unique_id}-{n}" for n in range(3)]
    for n, device_id in enumerate(ids):
        registry.create_device_with_sas(device_id, None, None, "disabled" if n == 0 else "enabled")
    listed = {d.device_id for d in registry.get_devices()}
    assert set(ids) <= listed
    assert len(registry.get_devices(max_number_of_devices=2)) == 2
    after = registry.get_device_registry_statistics()
    assert after.total_device_count == before.total_device_count + 3
    assert after.disabled_device_count == before.disabled_device_count + 1
    assert registry.get_service_statistics().connected_device_count >= 0
    for device_id in ids:
        registry.delete_device(device_id)


def test_modules(registry, unique_id):
    assert status_of(lambda: registry.create_module_with_sas(unique_id, "m1", "", None, None)) == 404
    registry.create_device_with_sas(unique_id, None, None, "enabled")
    module = registry.create_module_with_sas(unique_id, "m1", "", None, None)
    assert module.module_id == "m1" and module.device_id == unique_id and module.etag
    assert module.authentication.symmetric_key.primary_key
    assert [m.module_id for m in registry.get_modules(unique_id)] == ["m1"]
    updated = registry.update_module_with_sas(unique_id, "m1", "me", module.etag, None, None)
    assert updated.etag != module.etag and updated.managed_by == "me"
    assert status_of(lambda: registry.delete_module(unique_id, "m1", etag=module.etag)) == 412
    registry.delete_module(unique_id, "m1")
    assert status_of(lambda: registry.get_module(unique_id, "m1")) == 404
    registry.delete_device(unique_id)


def test_bulk_reports_failures_without_raising(registry, unique_id):
    def entry(device_id):
        return ExportImportDevice(id=device_id, import_mode="create", status="enabled",
                                  authentication=AuthenticationMechanism(type="sas", symmetric_key=SymmetricKey()))
    ok = registry.bulk_create_or_update_devices([entry(f"{unique_id}-a"), entry(f"{unique_id}-b")])
    assert ok.is_successful and not ok.errors
    mixed = registry.bulk_create_or_update_devices([entry(f"{unique_id}-a"), entry(f"{unique_id}-c")])
    assert not mixed.is_successful
    assert [(e.device_id, e.error_code) for e in mixed.errors] == [(f"{unique_id}-a", "DeviceAlreadyExists")]
    assert registry.get_device(f"{unique_id}-c").status == "enabled"
    for suffix in "abc":
        registry.delete_device(f"{unique_id}-{suffix}")


def test_policies_limit_what_a_back_end_may_do(node, unique_id):
    reader = node.registry("registryRead")
    assert status_of(lambda: reader.create_device_with_sas(unique_id, None, None, "enabled")) == 401
    owner = node.registry()
    owner.create_device_with_sas(unique_id, None, None, "enabled")
    assert reader.get_device(unique_id).device_id == unique_id
    service_only = node.registry("service")
    assert status_of(lambda: service_only.get_device(unique_id)) == 401
    owner.delete_device(unique_id)


def test_bad_service_tokens_get_401(node, registry):
    cs = node.service_connection_string()
    wrong = cs.rsplit("SharedAccessKey=", 1)[0] + "SharedAccessKey=" + base64.b64encode(b"x" * 32).decode()
    from azure.iot.hub import IoTHubRegistryManager
    assert status_of(lambda: IoTHubRegistryManager.from_connection_string(wrong).get_devices()) == 401
    url = "https://localhost/devices?api-version=2021-04-12"
    for authorization in [None, "garbage", "SharedAccessSignature sr=localhost&sig=abc&se=1&skn=iothubowner",
                          "SharedAccessSignature sr=localhost&sig=abc&se=99999999999&skn=nobody"]:
        headers = {"Authorization": authorization} if authorization else {}
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401, authorization
        body = response.json()
        assert "ErrorCode" in body or "Message" in body


def test_bad_requests_get_iothub_errors(node, registry):
    from azure.iot.hub.auth import ConnectionStringAuthentication
    token = ConnectionStringAuthentication(node.service_connection_string()).signed_session().headers["Authorization"]
    base = "https://localhost"
    h = {"Authorization": token, "Content-Type": "application/json; charset=utf-8"}
    r = requests.put(f"{base}/devices/bad-json?api-version=2021-04-12", data=b"{not json", headers=h, timeout=10)
    assert r.status_code == 400
    message = json.loads(r.json()["Message"])
    assert message["errorCode"] == 400004
    r = requests.put(f"{base}/devices/x?api-version=2021-04-12", data=json.dumps({"deviceId": "y"}), headers=h, timeout=10)
    assert r.status_code == 400, "the body's deviceId must match the path"
    r = requests.get(f"{base}/no/such/path?api-version=2021-04-12", headers=h, timeout=10)
    assert r.status_code == 404
    r = requests.put(f"{base}/devices/huge?api-version=2021-04-12", data=b"[" + b"1," * 700_000 + b"1]", headers=h, timeout=10)
    assert r.status_code == 413
    # The node is still healthy.
    assert registry.get_device_registry_statistics().total_device_count >= 0
