"""The registry and scheduled jobs survive a restart of the node on the same data directory
(SQLite store). Runs last (file order), so it also restarts the node every earlier test used."""
import datetime
import time

from azure.iot.device import MethodResponse
from azure.iot.hub import IoTHubJobManager
from azure.iot.hub.models import CloudToDeviceMethod, JobRequest


def answering_client(node, device, calls):
    """A connected device client that answers every method with 200 and counts the calls."""
    client = node.device_client(device.device_id, device.authentication.symmetric_key.primary_key)

    def handler(request):
        calls.append(request.name)
        client.send_method_response(MethodResponse.create_from_method_request(request, 200, {"n": len(calls)}))
    client.connect()
    client.on_method_request_received = handler
    return client


def test_running_job_resumes_after_restart_without_repeating_a_device(node, registry, unique_id):
    """A method job over two devices: the first answers at once, the second is offline and its
    call waits to connect. The node restarts with the job running; the job resumes with the
    second device only, which then connects and answers: the job completes, and the first device
    was called once."""
    first, second = (registry.create_device_with_sas(f"{unique_id}-{i}", None, None, "enabled") for i in range(2))
    jobs = IoTHubJobManager.from_connection_string(node.service_connection_string())
    first_calls, second_calls = [], []
    client = answering_client(node, first, first_calls)
    job_id = f"rj-{unique_id}"[:64]
    jobs.create_scheduled_job(job_id, JobRequest(
        job_id=job_id, type="scheduleDeviceMethod", query_condition=f"deviceId IN ['{first.device_id}', '{second.device_id}']",
        cloud_to_device_method=CloudToDeviceMethod(method_name="work", payload={}, response_timeout_in_seconds=10,
                                                   connect_timeout_in_seconds=120),
        start_time=datetime.datetime.now(datetime.timezone.utc), max_execution_time_in_seconds=300))
    deadline = time.monotonic() + 10
    while jobs.get_scheduled_job(job_id).device_job_statistics.succeeded_count != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    job = jobs.get_scheduled_job(job_id)
    assert (job.status, job.device_job_statistics.succeeded_count) == ("running", 1)
    client.shutdown()

    node.restart()
    jobs = IoTHubJobManager.from_connection_string(node.service_connection_string())
    job = jobs.get_scheduled_job(job_id)
    assert job.status == "running" and job.device_job_statistics.succeeded_count == 1, "the first outcome was stored"
    clients = [answering_client(node, first, first_calls), answering_client(node, second, second_calls)]
    try:
        deadline = time.monotonic() + 30
        while jobs.get_scheduled_job(job_id).status != "completed" and time.monotonic() < deadline:
            time.sleep(0.2)
        job = jobs.get_scheduled_job(job_id)
        assert job.status == "completed"
        assert (job.device_job_statistics.succeeded_count, job.device_job_statistics.failed_count) == (2, 0)
        assert first_calls == ["work"], "a device whose outcome was stored is not called again"
        assert second_calls == ["work"]
    finally:
        for each in clients:
            each.shutdown()
        for device in (first, second):
            registry.delete_device(device.device_id)



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
