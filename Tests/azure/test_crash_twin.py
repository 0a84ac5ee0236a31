"""A node killed with SIGKILL while devices patch reported properties loses no answered patch:
a `$iothub/twin/res/204` means the twin is on disk (saves from many devices share one SQLite
commit, issue #18), so after a restart each device's twin holds at least its last answered
patch, at the version the answer named."""
import threading
import time

from devices import RawDevice, device_sas, username

DEVICES = 16


class ReportedPump:
    """One device sending `{"seq": n}` patches one at a time, each after the previous answer;
    `answered` is the last (seq, $version) the node answered 204."""

    def __init__(self, raw, device_id):
        self.raw, self.device_id = raw, device_id
        self.answered = None
        self.failures = []
        self.seq = 0
        self.answer = threading.Event()
        raw.client.on_message = self._on_message

    def _on_message(self, _client, _userdata, message):
        # $iothub/twin/res/204/?$rid=<seq>&$version=<v>
        status = message.topic.split("/")[3]
        query = dict(part.split("=", 1) for part in message.topic.split("?", 1)[1].split("&"))
        if status == "204":
            self.answered = (int(query["$rid"]), int(query["$version"]))
        else:
            self.failures.append(status)
        self.answer.set()

    def run(self, stop):
        while not stop.is_set():
            self.seq += 1
            self.answer.clear()
            self.raw.client.publish(f"$iothub/twin/PATCH/properties/reported/?$rid={self.seq}",
                                    f'{{"seq": {self.seq}}}', qos=0)
            if not self.answer.wait(5):
                return


def test_sigkill_after_reported_patches_keeps_every_answered_patch(node, registry, unique_id):
    devices = [registry.create_device_with_sas(f"{unique_id}-{n}", None, None, "enabled") for n in range(DEVICES)]
    pumps = []
    for device in devices:
        raw = RawDevice(node.ca_path, device.device_id, username("localhost", device.device_id),
                        device_sas("localhost", device.device_id, device.authentication.symmetric_key.primary_key,
                                   int(time.time()) + 3600))
        assert raw.connect() == 0
        raw.client.subscribe("$iothub/twin/res/#", qos=0)
        pumps.append(ReportedPump(raw, device.device_id))
    time.sleep(0.5)  # the subscriptions are in place before the first patch
    stop = threading.Event()
    threads = [threading.Thread(target=pump.run, args=(stop,), daemon=True) for pump in pumps]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum((p.answered or (0, 0))[0] for p in pumps) < 40 * DEVICES:
        time.sleep(0.05)
    node.process.kill()
    # Every answer the node sent followed its commit; those read by now are what is checked.
    answered = {pump.device_id: pump.answered for pump in pumps}
    stop.set()
    node.process.wait()
    for thread in threads:
        thread.join(timeout=10)
    for pump in pumps:
        pump.raw.client.loop_stop()
    assert not any(pump.failures for pump in pumps), [pump.failures for pump in pumps if pump.failures]
    assert sum(seq for seq, _ in filter(None, answered.values())) >= 20 * DEVICES, "too few patches answered before the kill"

    node.kill_and_restart()  # already dead: this waits for the old sockets and starts the node again
    for device in devices:
        last = answered[device.device_id]
        if last is None:
            continue
        seq, version = last
        reported = registry.get_twin(device.device_id).properties.reported
        # A patch may have been stored and not answered yet: never less than the last answer.
        assert reported["seq"] >= seq, f"{device.device_id}: answered seq {seq}, stored {reported['seq']}"
        assert reported["$version"] >= version
