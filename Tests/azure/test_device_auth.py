"""Devices connect over MQTT/TLS on 8883 the way IoT Hub devices do (contract §1.2–§1.5), with
the unmodified azure-iot-device 2.14.0 SDK, and are refused with the codes the SDK maps."""
import base64
import tempfile
import time

import pytest
from azure.iot.device import IoTHubDeviceClient, X509
from azure.iot.device.exceptions import CredentialError

from devices import RawDevice, device_sas, make_certificate, username, wait_until


def keys(device):
    return device.authentication.symmetric_key


def test_sas_device_connects_with_either_key_and_shows_as_connected(node, registry, device):
    for key in (keys(device).primary_key, keys(device).secondary_key):
        client = node.device_client(device.device_id, key)
        client.connect()
        assert client.connected
        assert wait_until(lambda: registry.get_device(device.device_id).connection_state == "Connected")
        assert registry.get_service_statistics().connected_device_count >= 1
        client.shutdown()
        assert wait_until(lambda: registry.get_device(device.device_id).connection_state == "Disconnected")


def test_wrong_key_unknown_and_disabled_devices_are_refused(node, registry, device):
    wrong = base64.b64encode(b"w" * 32).decode()
    for device_id, key in [(device.device_id, wrong), (device.device_id + "-unknown", keys(device).primary_key)]:
        client = node.device_client(device_id, key)
        with pytest.raises(CredentialError):
            client.connect()
        client.shutdown()
    registry.update_device_with_sas(device.device_id, "*", keys(device).primary_key, keys(device).secondary_key, "disabled")
    client = node.device_client(device.device_id, keys(device).primary_key)
    with pytest.raises(CredentialError):
        client.connect()
    client.shutdown()


def test_raw_tokens_expired_for_another_device_or_malformed_get_connack_5_or_4(node, device):
    key = keys(device).primary_key
    now = int(time.time())
    cases = [
        (device_sas("localhost", device.device_id, key, now - 10), username("localhost", device.device_id), 5),
        (device_sas("localhost", "someone-else", key, now + 3600), username("localhost", device.device_id), 5),
        (device_sas("otherhub", device.device_id, key, now + 3600), username("localhost", device.device_id), 5),
        ("SharedAccessSignature sr=garbage", username("localhost", device.device_id), 4),
        (device_sas("localhost", device.device_id, key, now + 3600), f"localhost/{device.device_id}-x/?api-version=2019-10-01", 4),
    ]
    for password, user, expected in cases:
        raw = RawDevice(node.ca_path, device.device_id, user, password)
        assert raw.connect() == expected, (user, expected)
        assert raw.disconnected.wait(5), "the server closes after a refusing CONNACK"
        raw.close()
    ok = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                   device_sas("LOCALHOST", device.device_id, key, now + 3600))
    assert ok.connect() == 0, "the host in sr compares case-insensitively"
    ok.close()


def test_a_token_that_expires_while_connected_ends_the_connection(node, device):
    raw = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                    device_sas("localhost", device.device_id, keys(device).primary_key, int(time.time()) + 2))
    assert raw.connect() == 0
    assert raw.disconnected.wait(8), "IoT Hub disconnects a device whose token expired"
    raw.close()
    assert "SAS token expired" in node.log_text()


def test_disabling_deleting_or_rekeying_drops_live_connections(node, registry, device):
    primary, secondary = keys(device).primary_key, keys(device).secondary_key
    raw = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                    device_sas("localhost", device.device_id, primary, int(time.time()) + 3600))
    assert raw.connect() == 0
    new_primary = base64.b64encode(b"n" * 32).decode()
    registry.update_device_with_sas(device.device_id, "*", new_primary, secondary, "enabled")
    assert raw.disconnected.wait(5), "new keys end connections made with the old ones"
    raw.close()
    old = node.device_client(device.device_id, primary)
    with pytest.raises(CredentialError):
        old.connect()
    old.shutdown()
    fresh = node.device_client(device.device_id, new_primary)
    fresh.connect()
    registry.update_device_with_sas(device.device_id, "*", new_primary, secondary, "disabled")
    assert wait_until(lambda: not fresh.connected, 5), "disabling drops the device at once"
    fresh.shutdown()
    raw = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                    device_sas("localhost", device.device_id, new_primary, int(time.time()) + 3600))
    registry.update_device_with_sas(device.device_id, "*", new_primary, secondary, "enabled")
    assert raw.connect() == 0
    registry.delete_device(device.device_id)
    assert raw.disconnected.wait(5), "deleting drops the device at once"
    raw.close()


def test_modules_authenticate_on_their_own(node, registry, device):
    module = registry.create_module_with_sas(device.device_id, "m1", "", None, None)
    key = module.authentication.symmetric_key.primary_key
    client_id = f"{device.device_id}/m1"
    raw = RawDevice(node.ca_path, client_id, username("localhost", client_id),
                    device_sas("localhost", device.device_id, key, int(time.time()) + 3600, module_id="m1"))
    assert raw.connect() == 0
    raw.close()
    wrong = RawDevice(node.ca_path, client_id, username("localhost", client_id),
                      device_sas("localhost", device.device_id, keys(device).primary_key, int(time.time()) + 3600, module_id="m1"))
    assert wrong.connect() == 5, "a device key does not open its module"
    wrong.close()


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_x509_self_signed_device_matched_by_thumbprint(node, registry, unique_id, algorithm):
    directory = tempfile.mkdtemp()
    cert, key, sha1, sha256 = make_certificate(directory, unique_id)
    stranger_cert, stranger_key, *_ = make_certificate(directory, unique_id + "-other")
    registry.create_device_with_x509(unique_id, sha1 if algorithm == "sha1" else sha256.lower(), None, "enabled")
    client = IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(cert, key), hostname="localhost", device_id=unique_id,
        server_verification_cert=node.ca_pem, connection_retry=False)
    client.connect()
    assert client.connected
    client.shutdown()
    stranger = IoTHubDeviceClient.create_from_x509_certificate(
        x509=X509(stranger_cert, stranger_key), hostname="localhost", device_id=unique_id,
        server_verification_cert=node.ca_pem, connection_retry=False)
    with pytest.raises(CredentialError):
        stranger.connect()
    stranger.shutdown()
    registry.delete_device(unique_id)


def test_a_second_connection_for_the_same_device_closes_the_first(node, device):
    key = keys(device).primary_key
    first = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                      device_sas("localhost", device.device_id, key, int(time.time()) + 3600))
    assert first.connect() == 0
    second = node.device_client(device.device_id, key)
    second.connect()
    assert first.disconnected.wait(5)
    assert second.connected
    second.shutdown()
    first.close()


def test_device_connects_over_websockets_on_443(node, registry, device):
    """MQTT over WebSockets (contract §1.1): paho's strict 101 parser, binary frames both ways."""
    client = node.device_client(device.device_id, keys(device).primary_key, websockets=True)
    client.connect()
    assert client.connected
    assert wait_until(lambda: registry.get_device(device.device_id).connection_state == "Connected")
    client.send_message("over websockets")
    client.shutdown()
