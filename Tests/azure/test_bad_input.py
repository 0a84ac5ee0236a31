"""Bad input from a device ends only that device's connection, as IoT Hub does; other devices
carry on (contract §1.6: a device publishes and subscribes only inside its own topics)."""
import time

from devices import RawDevice, device_sas, username


def raw(node, device):
    client = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                       device_sas("localhost", device.device_id, device.authentication.symmetric_key.primary_key,
                                  int(time.time()) + 3600))
    assert client.connect() == 0
    return client


def test_publishing_outside_the_namespace_or_a_bad_bag_disconnects_only_that_device(node, registry, unique_id):
    victim = registry.create_device_with_sas(unique_id + "-v", None, None, "enabled")
    bystander = registry.create_device_with_sas(unique_id + "-b", None, None, "enabled")
    calm = raw(node, bystander)
    for topic in [f"devices/{victim.device_id}-other/messages/events/", "some/plain/topic",
                  f"devices/{victim.device_id}/messages/events/%zz=1", "$iothub/twin/GET/"]:
        offender = raw(node, victim)
        offender.client.publish(topic, b"x", qos=1)
        assert offender.disconnected.wait(5), topic
        offender.close()
    info = calm.client.publish(f"devices/{bystander.device_id}/messages/events/", b"still here", qos=1)
    info.wait_for_publish(timeout=5)
    assert info.is_published() and not calm.disconnected.is_set()
    calm.close()


def test_subscriptions_outside_the_namespace_are_refused_with_0x80(node, registry, unique_id):
    device = registry.create_device_with_sas(unique_id, None, None, "enabled")
    client = raw(node, device)
    granted = {}
    client.client.on_subscribe = lambda _c, _u, mid, qos: granted.__setitem__(mid, qos)
    _, allowed = client.client.subscribe("$iothub/methods/POST/#", qos=1)
    _, refused = client.client.subscribe("devices/someone-else/messages/devicebound/#", qos=1)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(granted) < 2:
        time.sleep(0.05)
    assert granted[allowed] == (1,) and granted[refused] == (128,)
    client.close()
