"""The registry survives a restart of the node on the same data directory (SQLite store).
Runs last (file order), so it also restarts the node every earlier test used."""


def test_registry_and_certificates_survive_restart(node, registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    before = {d.device_id: d.etag for d in registry.get_devices()}
    service_string = node.service_connection_string()
    ca = node.ca_pem
    node.restart()
    assert node.ca_pem == ca, "the development CA is made once"
    assert node.service_connection_string() == service_string, "policy keys are kept"
    registry = node.registry()
    assert {d.device_id: d.etag for d in registry.get_devices()} == before
    again = registry.get_device(unique_id)
    assert (again.etag, again.generation_id) == (device.etag, device.generation_id)
    assert again.authentication.symmetric_key.primary_key == device.authentication.symmetric_key.primary_key
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    assert client.connected
    client.shutdown()
    registry.delete_device(unique_id)
