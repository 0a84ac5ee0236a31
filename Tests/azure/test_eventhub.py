"""The built-in Event Hub-compatible endpoint read with the unmodified `azure-eventhub` 5.15.1
(contract §6, §7 scenarios 1, 2, 5-10): telemetry from `azure-iot-device` arrives with every field
of §6.6; starting positions (earliest, latest, offset, sequence number, enqueued time, inclusive or
not); all partitions, consumer groups, epochs, authentication, the `$management` requests,
last-enqueued-event tracking; over TLS with the default pure-Python transport (pyamqp), again with
`uamqp_transport=True` for the key scenarios, over WebSockets, on a custom TLS port and plain.

The module runs on a hub of its own (a fresh data directory), so its partitions hold only this
module's events: "-1" reads stay small, and the first test sees empty partitions. Every receive
runs in a thread with a bounded wait; a test never hangs on the SDK.
"""
import calendar
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from azure.eventhub import TransportType
from azure.eventhub.amqp import AmqpMessageBodyType
from azure.eventhub.exceptions import AuthenticationError, ConnectionLostError, EventHubError
from azure.iot.device import Message

from conftest import CUSTOM_AMQP_PORT, PLAIN_AMQP_PORT, Node, nave
from devices import device_sas
from test_c2d import service_token

PARTITIONS = ["0", "1", "2", "3"]          # events.partitionCount's default (contract §8)
TRANSPORTS = [pytest.param({}, id="pyamqp"), pytest.param({"uamqp_transport": True}, id="uamqp")]


@pytest.fixture(scope="module")
def node(node):
    """A hub of its own for this module: the session's node stops (the ports are fixed) and
    starts again afterwards on its own data directory."""
    node.stop()
    root = tempfile.mkdtemp(prefix="nave-azure-eventhub-")
    fresh = Node(os.path.join(root, "data"))
    try:
        yield fresh
    finally:
        fresh.stop()
        node.start()
        if os.environ.get("NAVE_KEEP_DATA") != "1":
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def registry(node):
    return node.registry()


@pytest.fixture(scope="module")
def eventhub_connection_string(node):
    return node.eventhub_connection_string()


@pytest.fixture(scope="module")
def eventhub_name(eventhub_connection_string):
    return eventhub_connection_string.split("EntityPath=", 1)[1]


# --- receiving with a deadline ---------------------------------------------------------------

class Reader:
    """`client.receive` (or `receive_batch`) in a thread: events and errors land in queues, and
    `stop()` closes the client. Events are (partition id, EventData, last-enqueued properties)."""

    def __init__(self, client, batch=False, **kwargs):
        self.client = client
        self.events = queue.Queue()
        self.errors = queue.Queue()
        self.received = []
        self.failure = None
        self.finished = threading.Event()
        if batch:
            kwargs["on_event_batch"] = self._on_batch
        else:
            kwargs["on_event"] = self._on_event
        kwargs["on_error"] = lambda context, error: self.errors.put((context and context.partition_id, error))
        method = client.receive_batch if batch else client.receive
        self.thread = threading.Thread(target=self._run, args=(method, kwargs), daemon=True)
        self.thread.start()

    def _run(self, method, kwargs):
        try:
            method(**kwargs)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.failure = error
        finally:
            self.finished.set()

    def _on_event(self, context, event):
        if event is not None:
            self.events.put((context.partition_id, event, context.last_enqueued_event_properties))

    def _on_batch(self, context, events):
        for event in events:
            self.events.put((context.partition_id, event, context.last_enqueued_event_properties))

    def wait_attached(self, partitions=1, seconds=10):
        """Until `partitions` receive links are attached (the SDK's own readiness flag; no
        callback says so). Latest ("@latest") counts from the attach (contract §6.5)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            processors = list(getattr(self.client, "_event_processors", {}).values())
            consumers = [c for p in processors for c in list(getattr(p, "_consumers", {}).values())]
            if len(consumers) >= partitions and all(c.handler_ready for c in consumers):
                return
            self._raise_if_failed()
            time.sleep(0.05)
        raise AssertionError(f"{partitions} receive link(s) not attached within {seconds} s; errors: {self.error_list()}")

    def collect(self, until, seconds=10):
        """Events received so far and until `until(events)` holds or `seconds` pass."""
        deadline = time.monotonic() + seconds
        while not until(self.received):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                self.received.append(self.events.get(timeout=min(remaining, 0.1)))
            except queue.Empty:
                self._raise_if_failed()
        return self.received

    def first_error(self, seconds=10):
        try:
            return self.errors.get(timeout=seconds)
        except queue.Empty:
            raise AssertionError(f"no error reached on_error within {seconds} s "
                                 f"(received {len(self.received) + self.events.qsize()} events)") from None

    def error_list(self):
        return list(self.errors.queue)

    def _raise_if_failed(self):
        if self.failure is not None:
            raise AssertionError(f"receive() raised {self.failure!r}")

    def begin_stop(self):
        self.closing = threading.Thread(target=self.client.close, daemon=True)
        self.closing.start()

    def finish_stop(self):
        deadline = time.monotonic() + 10
        self.closing.join(10)
        self.thread.join(max(0.0, deadline - time.monotonic()))
        assert not self.thread.is_alive(), "receive() did not return within 10 s of close()"

    def stop(self):
        self.begin_stop()
        self.finish_stop()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


class PartitionReaders:
    """One Reader (its own client and connections) per partition, opened and closed in
    parallel: the sync SDK serves one client's partitions in turn, one connection at a time,
    which costs seconds per read. Same interface as Reader; `received` is merged."""

    def __init__(self, consumer, partitions=PARTITIONS, **kwargs):
        self.readers = [Reader(consumer(), partition_id=pid, **kwargs) for pid in partitions]
        self.received = []

    def collect(self, until, seconds=10):
        deadline = time.monotonic() + seconds
        while not until(self.received) and time.monotonic() < deadline:
            moved = False
            for reader in self.readers:
                try:
                    while True:
                        self.received.append(reader.events.get_nowait())
                        moved = True
                except queue.Empty:
                    reader._raise_if_failed()
            if not moved:
                time.sleep(0.02)
        return self.received

    def error_list(self):
        return [error for reader in self.readers for error in reader.error_list()]

    def stop(self):
        for reader in self.readers:
            reader.begin_stop()
        for reader in self.readers:
            reader.finish_stop()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()


def source(event):
    return event.system_properties.get(b"iothub-message-source")


def telemetry(received, device_id):
    """The device's telemetry among received (partition, event, _) tuples: lifecycle and
    connection-state events of the same device share the endpoint."""
    return [event for _, event, _ in received
            if event.system_properties.get(b"iothub-connection-device-id") == device_id.encode()
            and source(event) == b"Telemetry"]


def bodies(events):
    return [event.body_as_str() for event in events]


def has_body(device_id, body):
    return lambda received: body in bodies(telemetry(received, device_id))


def to_ms(value):
    """x-opt-enqueued-time as the SDK decodes a timestamp: int milliseconds (pyamqp, uamqp)."""
    if isinstance(value, datetime):
        return calendar.timegm(value.utctimetuple()) * 1000 + value.microsecond // 1000
    return int(value)


# --- devices ---------------------------------------------------------------------------------

def register(registry, device_id):
    return registry.create_device_with_sas(device_id, None, None, "enabled")


def send_from_device(node, device, *messages, pause_after=None):
    """Sends with azure-iot-device over MQTT/TLS; each send returns after the PUBACK, when the
    event is in the log. `pause_after`: index after which to sleep 0.4 s (a gap in enqueued time)."""
    client = node.device_client(device.device_id, device.authentication.symmetric_key.primary_key)
    client.connect()
    try:
        for index, message in enumerate(messages):
            client.send_message(message)
            if pause_after is not None and index == pause_after:
                time.sleep(0.4)
    finally:
        client.shutdown()


def send_over_https(node, device, body):
    """Telemetry over the device HTTPS API (quicker than an MQTT connection per device)."""
    key = device.authentication.symmetric_key.primary_key
    response = requests.post(f"https://localhost/devices/{device.device_id}/messages/events",
                             params={"api-version": "2019-10-01"}, data=body.encode(),
                             headers={"Authorization": device_sas("localhost", device.device_id, key, int(time.time()) + 3600)},
                             verify=node.ca_path, timeout=10)
    assert response.status_code == 204, response.text


def partition_of(consumer, device_id, body, **kwargs):
    """The partition that holds the device's telemetry `body` (read from the start of all
    partitions, small on this module's hub), and all its events up to that one."""
    with PartitionReaders(lambda: consumer(**kwargs), starting_position="-1") as reader:
        received = reader.collect(has_body(device_id, body))
    found = [(pid, event) for pid, event, _ in received
             if event in telemetry(received, device_id) and event.body_as_str() == body]
    assert found, (f"telemetry {body!r} of {device_id} not received from any partition within 10 s "
                   f"({len(received)} other events; errors {reader.error_list()})")
    pid = found[0][0]
    return pid, [event for p, event, _ in received if p == pid]


# --- tests -----------------------------------------------------------------------------------

def test_management_on_an_empty_hub(consumer, eventhub_name):
    """First in the module: no device yet, so every partition is empty (contract §6.4)."""
    client = consumer()
    properties = client.get_eventhub_properties()
    assert properties["eventhub_name"] == eventhub_name
    assert properties["partition_ids"] == PARTITIONS
    assert isinstance(properties["created_at"], datetime)
    assert abs((datetime.now(timezone.utc) - properties["created_at"]).total_seconds()) < 3600, properties
    assert client.get_partition_ids() == PARTITIONS
    for pid in PARTITIONS:
        partition = client.get_partition_properties(pid)
        assert partition["eventhub_name"] == eventhub_name and partition["id"] == pid
        assert partition["is_empty"] is True, partition
        assert partition["last_enqueued_sequence_number"] == -1, partition
        assert partition["last_enqueued_offset"] == "-1", partition
        assert partition["beginning_sequence_number"] in (0, -1), partition


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_telemetry_reaches_the_reader_with_every_field(node, registry, consumer, unique_id, transport):
    """§7 scenarios 1 and 2, every field of §6.6."""
    device = register(registry, unique_id)
    message = Message('{"temp": 21.5}', message_id="mid-1", content_encoding="utf-8", content_type="application/json")
    message.correlation_id = "cid-1"
    message.user_id = "user-1"
    message.custom_properties = {"alert": "true", "sp ace": "a/b&c=d", "num": 5}
    sent_at = datetime.now(timezone.utc)
    send_from_device(node, device, message, "plain string")

    with Reader(consumer(**transport), starting_position="-1") as reader:
        received = reader.collect(has_body(unique_id, "plain string"))
    events = telemetry(received, unique_id)
    assert bodies(events) == ['{"temp": 21.5}', "plain string"], f"received {len(received)} events, errors {reader.error_list()}"
    partitions = {pid for pid, event, _ in received if event in events}
    assert len(partitions) == 1 and partitions <= set(PARTITIONS), f"one device, one partition: {partitions}"
    first, second = events

    assert first.body_type == AmqpMessageBodyType.DATA
    assert list(first.body) == [b'{"temp": 21.5}'], "one data section with the raw MQTT payload"
    assert isinstance(first.sequence_number, int) and first.sequence_number >= 0
    assert second.sequence_number > first.sequence_number
    assert isinstance(first.offset, str), f"x-opt-offset must be an AMQP string (got {first.system_properties.get(b'x-opt-offset')!r})"
    assert first.offset != second.offset
    assert isinstance(first.enqueued_time, datetime)
    assert abs((first.enqueued_time - sent_at).total_seconds()) < 10, (first.enqueued_time, sent_at)
    assert first.message_id == "mid-1" and first.correlation_id == "cid-1"
    assert first.content_type == "application/json"
    assert first.properties == {b"alert": b"true", b"sp ace": b"a/b&c=d", b"num": b"5"}

    system = first.system_properties
    expected = {
        b"message-id": b"mid-1", b"correlation-id": b"cid-1", b"user-id": b"user-1",
        b"content-type": b"application/json", b"content-encoding": b"utf-8",
        b"x-opt-sequence-number": first.sequence_number, b"x-opt-offset": first.offset.encode(),
        b"iothub-connection-device-id": unique_id.encode(),
        b"iothub-message-source": b"Telemetry",
    }
    # Every mismatch at once: a missing key shows as None.
    assert {key: system.get(key) for key in expected} == expected
    assert b"iothub-connection-module-id" not in system
    assert to_ms(system[b"x-opt-enqueued-time"]) == to_ms(first.enqueued_time)
    assert to_ms(system[b"iothub-enqueuedtime"]) == to_ms(system[b"x-opt-enqueued-time"])
    auth = json.loads(system[b"iothub-connection-auth-method"])
    assert auth["scope"] == "device" and auth["type"] == "sas" and auth["issuer"] == "iothub", auth

    assert list(second.body) == [b"plain string"]
    assert not second.properties, second.properties
    assert second.message_id is None and second.content_type is None
    assert system.get(b"iothub-connection-auth-generation-id") == device.generation_id.encode(), \
        "§6.6: iothub-connection-auth-generation-id, the device's generationId"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_starting_positions(node, registry, consumer, unique_id, transport):
    """§6.5 selectors and §7 scenarios 5 and 6: from the start, after/at a sequence number,
    after/at an offset, after an enqueued time; sequence numbers are consecutive from 0."""
    device = register(registry, unique_id)
    sent = [f"e{n}" for n in range(5)]
    send_from_device(node, device, *sent, pause_after=2)
    pid, partition = partition_of(consumer, unique_id, "e4", **transport)

    assert [e.sequence_number for e in partition] == list(range(len(partition))), \
        f"partition {pid}: sequence numbers from 0, +1 per event: {[e.sequence_number for e in partition]}"
    offsets = [e.offset for e in partition]
    assert len(set(offsets)) == len(offsets) and all(isinstance(o, str) for o in offsets), offsets
    if all(o.isdigit() for o in offsets):
        assert [int(o) for o in offsets] == sorted(int(o) for o in offsets), f"offsets increase: {offsets}"
    mine = [e for e in partition if e.system_properties.get(b"iothub-connection-device-id") == unique_id.encode()
            and source(e) == b"Telemetry"]
    assert bodies(mine) == sent
    e2, e3 = mine[2], mine[3]
    gap = (e3.enqueued_time - e2.enqueued_time).total_seconds()
    assert gap >= 0.2, f"the device slept 0.4 s between e2 and e3, yet their enqueued times differ by {gap} s"

    # Five readers of the partition at once, one per starting position.
    positions = {
        "after sequence number": (e2.sequence_number, False, ["e3", "e4"], e2.sequence_number + 1),
        "at sequence number": (e2.sequence_number, True, ["e2", "e3", "e4"], e2.sequence_number),
        "after offset": (e2.offset, False, ["e3", "e4"], e2.sequence_number + 1),
        "at offset": (e2.offset, True, ["e2", "e3", "e4"], e2.sequence_number),
        "after enqueued time": (e2.enqueued_time + (e3.enqueued_time - e2.enqueued_time) / 2, False, ["e3", "e4"], None),
    }
    readers = {name: Reader(consumer(**transport), partition_id=pid, starting_position=position,
                            starting_position_inclusive=inclusive)
               for name, (position, inclusive, _, _) in positions.items()}
    try:
        for name, (position, _, expected, first_sequence_number) in positions.items():
            received = readers[name].collect(has_body(unique_id, "e4"))
            got = bodies(telemetry(received, unique_id))
            assert got == expected, f"{name} {position!r}: {got}; errors {readers[name].error_list()}"
            first = received[0][1]
            if first_sequence_number is not None:
                assert first.sequence_number == first_sequence_number, f"{name} {position!r}: the first event"
            else:
                assert first.enqueued_time > position, f"{name} {position!r}: the first event has {first.enqueued_time}"
    finally:
        for reader in readers.values():
            reader.begin_stop()
        for reader in readers.values():
            reader.finish_stop()


@pytest.mark.parametrize("position", [pytest.param({}, id="default"), pytest.param({"starting_position": "@latest"}, id="@latest")])
def test_latest_yields_only_events_after_the_attach(node, registry, consumer, unique_id, position):
    device = register(registry, unique_id)
    send_from_device(node, device, "before")
    with Reader(consumer(), **position) as reader:
        reader.wait_attached(partitions=len(PARTITIONS))
        send_from_device(node, device, "after")
        received = reader.collect(has_body(unique_id, "after"))
    assert bodies(telemetry(received, unique_id)) == ["after"], reader.error_list()


def test_latest_with_uamqp_transport(node, registry, consumer, unique_id):
    device = register(registry, unique_id)
    send_from_device(node, device, "before")
    pid, _ = partition_of(consumer, unique_id, "before")
    with Reader(consumer(uamqp_transport=True), partition_id=pid) as reader:
        reader.wait_attached()
        send_from_device(node, device, "after")
        received = reader.collect(has_body(unique_id, "after"))
    assert bodies(telemetry(received, unique_id)) == ["after"], reader.error_list()


def test_every_partition_is_received_with_receive_batch(node, registry, consumer, unique_id):
    """16 devices spread over the partitions (IoT Hub hashes the device id); one receive_batch
    over all partitions, each starting after its last sequence number (a per-partition dict),
    gets each device's event exactly once, from partitions whose sequence numbers moved."""
    devices = [register(registry, f"{unique_id}-{n}") for n in range(16)]
    client = consumer()
    before = {pid: client.get_partition_properties(pid)["last_enqueued_sequence_number"] for pid in PARTITIONS}
    for device in devices:
        send_over_https(node, device, f"spread {device.device_id}")
    after = {pid: client.get_partition_properties(pid)["last_enqueued_sequence_number"] for pid in PARTITIONS}

    expected = {f"spread {d.device_id}" for d in devices}
    with Reader(consumer(), batch=True, max_batch_size=5, starting_position=before) as reader:
        received = reader.collect(lambda got: expected <= {e.body_as_str() for _, e, _ in got})
    mine = [(pid, event) for pid, event, _ in received if source(event) == b"Telemetry"
            and event.system_properties.get(b"iothub-connection-device-id", b"").decode().startswith(unique_id + "-")]
    assert sorted(e.body_as_str() for _, e in mine) == sorted(expected), f"errors {reader.error_list()}"
    used = {pid for pid, _ in mine}
    assert len(used) >= 2, f"16 devices' events all in partition {used}? IoT Hub hashes the device id"
    for pid, event in mine:
        assert before[pid] < event.sequence_number <= after[pid], (pid, event.sequence_number, before, after)


def create_consumer_group(node, name):
    """`nave hub consumer-group create`, else Nave's REST route PUT /eventHub/consumerGroups/{name}."""
    if node.hub_has_command("consumer-group"):
        nave("hub", "consumer-group", "create", name, "--data-dir", str(node.data_dir))
        return
    response = requests.put(f"https://localhost/eventHub/consumerGroups/{name}", params={"api-version": "2021-04-12"},
                            headers={"Authorization": service_token(node)}, verify=node.ca_path, timeout=10)
    if response.status_code in (404, 405):
        pytest.skip(f"no way to create a consumer group in this build: no `nave hub consumer-group`, and "
                    f"PUT /eventHub/consumerGroups answers {response.status_code}")
    assert response.status_code == 200, f"PUT /eventHub/consumerGroups/{name}: {response.status_code} {response.text}"


def test_two_consumer_groups_each_see_every_event(node, registry, consumer, unique_id):
    group = f"analytics-{int(time.time() * 1000) % 10**8}"
    create_consumer_group(node, group)
    device = register(registry, unique_id)
    send_from_device(node, device, "a", "b", "c")
    pid, _ = partition_of(consumer, unique_id, "c")
    with Reader(consumer(), partition_id=pid, starting_position="-1") as first, \
            Reader(consumer(consumer_group=group), partition_id=pid, starting_position="-1") as second:
        got_first = bodies(telemetry(first.collect(has_body(unique_id, "c")), unique_id))
        got_second = bodies(telemetry(second.collect(has_body(unique_id, "c")), unique_id))
    assert got_first == ["a", "b", "c"], f"$Default: {got_first}; errors {first.error_list()}"
    assert got_second == ["a", "b", "c"], f"{group}: {got_second}; errors {second.error_list()}"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unknown_consumer_group_is_an_error(consumer, transport):
    """§7 scenario 8: the receive link is refused; on_error gets it, no event arrives."""
    with Reader(consumer(consumer_group="no-such-group", **transport), partition_id="0", starting_position="-1") as reader:
        pid, error = reader.first_error()
        assert isinstance(error, EventHubError), repr(error)
        assert reader.collect(lambda got: False, seconds=0.5) == []
    assert pid == "0"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_higher_epoch_takes_the_partition_and_lower_or_none_is_refused(node, registry, consumer, unique_id, transport):
    """§6.5 epochs, §7 scenario 9: owner_level 2 steals the link of owner_level 1 (amqp:link:stolen,
    ConnectionLostError to on_error); then owner_level 1 and no owner level are refused."""
    device = register(registry, unique_id)
    send_from_device(node, device, "first")
    pid, _ = partition_of(consumer, unique_id, "first")
    with Reader(consumer(**transport), partition_id=pid, owner_level=1) as low:
        low.wait_attached()
        with Reader(consumer(**transport), partition_id=pid, owner_level=2) as high:
            high.wait_attached()
            _, error = low.first_error()
            assert isinstance(error, ConnectionLostError), repr(error)
            assert "stolen" in f"{error.error} {error}".lower(), f"expected amqp:link:stolen: {error!r}"

            send_from_device(node, device, "second")
            got = bodies(telemetry(high.collect(has_body(unique_id, "second")), unique_id))
            assert got == ["second"], f"owner_level 2 got {got}; errors {high.error_list()}"

            with Reader(consumer(**transport), partition_id=pid, owner_level=1) as lower:
                _, refused = lower.first_error()
                assert isinstance(refused, EventHubError), repr(refused)
            with Reader(consumer(**transport), partition_id=pid) as without:
                _, refused = without.first_error()
                assert isinstance(refused, EventHubError), repr(refused)
            assert high.error_list() == [], "the owner keeps its link while others are refused"
    assert low.collect(lambda got: False, seconds=0) == [], "the stolen link got nothing after attach"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_credentials_are_refused(node, consumer, eventhub_connection_string, transport):
    """§6.3, §7 scenario 8: a wrong key → AuthenticationError (CBS 401) at once with retry_total=0;
    a policy without ServiceConnect likewise; an unknown Event Hub name → an error (404)."""
    key = eventhub_connection_string.split("SharedAccessKey=", 1)[1].split(";", 1)[0]
    wrong = eventhub_connection_string.replace(key, "d3Jvbmcga2V5IHdyb25nIGtleSB3cm9uZyBrZXkhIQ==")
    started = time.monotonic()
    with pytest.raises(AuthenticationError):
        consumer(connection_string=wrong, **transport).get_eventhub_properties()
    assert time.monotonic() - started < 10

    # The CLI refuses to print one for a policy without ServiceConnect; the server must refuse too.
    read_key = node.service_connection_string("registryRead").split("SharedAccessKey=", 1)[1]
    read_only = eventhub_connection_string.replace(key, read_key).replace("SharedAccessKeyName=iothubowner", "SharedAccessKeyName=registryRead")
    with pytest.raises(AuthenticationError):
        consumer(connection_string=read_only, **transport).get_partition_ids()

    name = eventhub_connection_string.split("EntityPath=", 1)[1]
    elsewhere = eventhub_connection_string.replace(f"EntityPath={name}", "EntityPath=no-such-hub")
    with pytest.raises(EventHubError):
        consumer(connection_string=elsewhere, **transport).get_eventhub_properties()


def test_service_policy_reads(node, consumer):
    """The `service` policy (ServiceConnect only) is enough to read."""
    client = consumer(connection_string=node.eventhub_connection_string(policy="service"))
    assert client.get_partition_ids() == PARTITIONS


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_partition_properties_follow_the_last_event(node, registry, consumer, unique_id, transport):
    """§6.4, §7 scenario 7: last_enqueued_sequence_number/offset/time are those of the
    partition's last event as a reader sees it."""
    device = register(registry, unique_id)
    send_over_https(node, device, "p0")
    send_over_https(node, device, "p1")
    pid, partition = partition_of(consumer, unique_id, "p1", **transport)
    properties = consumer(**transport).get_partition_properties(pid)
    assert properties["id"] == pid and properties["is_empty"] is False, properties
    assert properties["beginning_sequence_number"] == 0, properties
    last_seq = properties["last_enqueued_sequence_number"]
    assert last_seq >= partition[-1].sequence_number, (properties, partition[-1].sequence_number)
    with Reader(consumer(**transport), partition_id=pid, starting_position=last_seq, starting_position_inclusive=True) as reader:
        received = reader.collect(lambda got: len(got) >= 1)
    assert received, f"no event at sequence number {last_seq}; errors {reader.error_list()}"
    last = received[0][1]
    assert last.sequence_number == last_seq
    assert properties["last_enqueued_offset"] == last.offset, (properties, last.offset)
    assert properties["last_enqueued_time_utc"] == last.enqueued_time, (properties, last.enqueued_time)


def test_track_last_enqueued_event_properties(node, registry, consumer, unique_id):
    """§6.5/§6.6: with com.microsoft:enable-receiver-runtime-metric each event carries the
    partition's last enqueued event in its delivery annotations."""
    device = register(registry, unique_id)
    for body in ("t0", "t1", "t2"):
        send_over_https(node, device, body)
    pid, partition = partition_of(consumer, unique_id, "t2")
    with Reader(consumer(), partition_id=pid, starting_position="-1", track_last_enqueued_event_properties=True) as reader:
        received = reader.collect(has_body(unique_id, "t2"))
    assert received, reader.error_list()
    for _, event, tracked in received:
        assert tracked is not None, f"event {event.sequence_number} has no last-enqueued properties (delivery annotations)"
        assert tracked["sequence_number"] >= event.sequence_number, tracked
        assert isinstance(tracked["offset"], str), tracked
        assert isinstance(tracked["enqueued_time"], datetime) and isinstance(tracked["retrieval_time"], datetime), tracked
    final = received[-1][2]
    assert final["sequence_number"] >= partition[-1].sequence_number, (final, partition[-1].sequence_number)
    properties = consumer().get_partition_properties(pid)
    assert final["sequence_number"] <= properties["last_enqueued_sequence_number"], (final, properties)
    if final["sequence_number"] == properties["last_enqueued_sequence_number"]:
        assert final["offset"] == properties["last_enqueued_offset"], (final, properties)
        assert final["enqueued_time"] == properties["last_enqueued_time_utc"], (final, properties)
    assert abs((datetime.now(timezone.utc) - final["retrieval_time"]).total_seconds()) < 30, final


def test_amqp_over_websockets(node, registry, consumer, unique_id):
    """§6.1: TransportType.AmqpOverWebsocket dials 443, /$servicebus/websocket, AMQPWSB10. One
    partition: the sync SDK serves partitions in turn, each read waiting up to 1 s on WebSockets."""
    device = register(registry, unique_id)
    send_from_device(node, device, "over websockets")
    pid, _ = partition_of(consumer, unique_id, "over websockets")
    client = consumer(transport_type=TransportType.AmqpOverWebsocket)
    assert client.get_partition_ids() == PARTITIONS
    assert client.get_partition_properties(pid)["is_empty"] is False
    with Reader(consumer(transport_type=TransportType.AmqpOverWebsocket), partition_id=pid, starting_position="-1") as reader:
        received = reader.collect(has_body(unique_id, "over websockets"))
    assert bodies(telemetry(received, unique_id)) == ["over websockets"], reader.error_list()


def test_custom_endpoint_and_plain_amqp(node, registry, consumer, eventhub_connection_string, unique_id):
    """§7 scenario 10: TLS on another port through custom_endpoint_address (the host 127.0.0.1,
    so the certificate's IP name), and plain TCP with use_tls=False on hub.plainAmqpListeners."""
    device = register(registry, unique_id)
    send_from_device(node, device, "anywhere")
    custom = dict(custom_endpoint_address=f"sb://127.0.0.1:{CUSTOM_AMQP_PORT}", transport_type=TransportType.Amqp)
    plain_string = eventhub_connection_string.replace("sb://localhost/", f"sb://localhost:{PLAIN_AMQP_PORT}/")
    pid, _ = partition_of(consumer, unique_id, "anywhere")
    for name, kwargs in [("custom endpoint", dict(custom)), ("plain", dict(connection_string=plain_string, use_tls=False))]:
        assert consumer(**kwargs).get_partition_ids() == PARTITIONS, name
        with Reader(consumer(**kwargs), partition_id=pid, starting_position="-1") as reader:
            received = reader.collect(has_body(unique_id, "anywhere"))
        assert bodies(telemetry(received, unique_id)) == ["anywhere"], f"{name}: errors {reader.error_list()}"
