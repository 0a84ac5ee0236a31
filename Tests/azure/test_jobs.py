"""Scheduled jobs (jobs v2) through the unmodified service SDK's IoTHubJobManager (reference
iothub-query-routing-jobs.md §3, scenarios 9-14 of §6): twin-update and method jobs over a
queryCondition, a job scheduled ahead and cancelled, listing, and the device job rows
`FROM devices.jobs` shows. The node is shared by the session, so each test tags its own
devices with a value of its own (`tags.run`) and targets them by it. Scenarios 11 and 12 use
the query endpoint (`POST /devices/query … FROM devices.jobs`). The restart scenario is in
test_restart.py, which runs last."""
import datetime
import time

import pytest
from azure.iot.device import MethodResponse
from azure.iot.hub import IoTHubJobManager
from azure.iot.hub.models import CloudToDeviceMethod, JobRequest, QuerySpecification, Twin, TwinProperties
from devices import DesiredPatches
from msrest.exceptions import HttpOperationError


def primary_key(registry, device_id):
    return registry.get_device(device_id).authentication.symmetric_key.primary_key


@pytest.fixture(scope="module")
def jobs(node):
    return IoTHubJobManager.from_connection_string(node.service_connection_string())


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def wait_for_status(jobs, job_id, status, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        job = jobs.get_scheduled_job(job_id)
        if job.status == status or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def method_job(job_id, condition, max_seconds=60, **method):
    method.setdefault("method_name", "reboot")
    method.setdefault("payload", {"a": 1})
    method.setdefault("response_timeout_in_seconds", 10)
    return JobRequest(job_id=job_id, type="scheduleDeviceMethod", cloud_to_device_method=CloudToDeviceMethod(**method),
                      query_condition=condition, start_time=now(), max_execution_time_in_seconds=max_seconds)


def twin_job(job_id, condition, desired, start_time=None, max_seconds=60):
    return JobRequest(job_id=job_id, type="scheduleUpdateTwin",
                      update_twin=Twin(etag="*", properties=TwinProperties(desired=desired)),
                      query_condition=condition, start_time=start_time or now(), max_execution_time_in_seconds=max_seconds)


def device_jobs(registry, condition):
    """Rows of `FROM devices.jobs`. The SDK reads each as a `Twin`: `deviceId` and `status` land
    in its `device_id` and `status`, the other fields in `additional_properties`."""
    return registry.query_iot_hub(QuerySpecification(query=f"SELECT * FROM devices.jobs WHERE {condition}"))


def test_twin_update_job_patches_the_selected_twins(node, registry, jobs, fleet, unique_id):
    """Scenario 9 (and 14's listing of the completed job)."""
    test, prod = fleet(2, {0: {"env": "test"}, 1: {"env": "prod"}})
    client = node.device_client(test, primary_key(registry, test))
    client.connect()
    received = DesiredPatches(client)
    try:
        job_id = f"tj-{unique_id}"[:64]
        created = jobs.create_scheduled_job(job_id, twin_job(job_id, f"tags.run = '{unique_id}' AND tags.env = 'test'", {"fw": "2"}))
        assert created.status in ("queued", "scheduled", "running")
        done = wait_for_status(jobs, job_id, "completed")
        assert done.status == "completed"
        assert done.device_job_statistics.device_count == 1
        assert done.device_job_statistics.succeeded_count == 1
        assert done.end_time is not None
        assert registry.get_twin(test).properties.desired["fw"] == "2"
        assert "fw" not in registry.get_twin(prod).properties.desired
        assert received.arrived.wait(10)
        assert received.patches[0]["fw"] == "2" and isinstance(received.patches[0]["$version"], int)

        listed = jobs.query_scheduled_jobs("scheduleUpdateTwin", "completed")
        assert listed.type == "jobResponse"
        assert all(isinstance(item, dict) for item in listed.items)
        mine = [item for item in listed.items if item["jobId"] == job_id]
        assert len(mine) == 1 and mine[0]["status"] == "completed"
        assert job_id in {item["jobId"] for item in jobs.query_scheduled_jobs(None, None).items}
        assert job_id not in {item["jobId"] for item in jobs.query_scheduled_jobs("scheduleDeviceMethod", None).items}
    finally:
        client.shutdown()


def test_method_job_invokes_the_method_and_records_the_answer(node, registry, jobs, fleet, unique_id):
    """Scenarios 10 and 12 (device job rows through the query endpoint)."""
    (device,) = fleet(1)
    client = node.device_client(device, primary_key(registry, device))
    seen = []

    def handler(request):
        seen.append(request)
        client.send_method_response(MethodResponse.create_from_method_request(request, 200, {"ok": True}))
    client.connect()
    client.on_method_request_received = handler
    try:
        job_id = f"mj-{unique_id}"[:64]
        jobs.create_scheduled_job(job_id, method_job(job_id, f"deviceId IN ['{device}']"))
        done = wait_for_status(jobs, job_id, "completed")
        assert done.status == "completed"
        assert done.device_job_statistics.succeeded_count == 1
        assert [(request.name, request.payload) for request in seen] == [("reboot", {"a": 1})]

        rows = device_jobs(registry, f"devices.jobs.deviceId = '{device}'")
        assert rows.type == "deviceJob"
        (row,) = [item for item in rows.items if item.additional_properties.get("jobId") == job_id]
        assert row.status == "completed"
        assert row.additional_properties["jobType"] == "scheduleDeviceMethod"
        assert row.additional_properties["outcome"]["deviceMethodResponse"] == {"status": 200, "payload": {"ok": True}}
    finally:
        client.shutdown()


def test_method_job_on_an_offline_device_fails_that_device(registry, jobs, fleet, unique_id):
    """Scenario 11: the job completes with failedCount 1; its device job row carries the error."""
    (device,) = fleet(1)
    job_id = f"mj2-{unique_id}"[:64]
    jobs.create_scheduled_job(job_id, method_job(job_id, f"tags.run = '{unique_id}'", max_seconds=15))
    done = wait_for_status(jobs, job_id, "completed", timeout=20)
    assert done.status == "completed"
    assert done.device_job_statistics.failed_count == 1
    rows = device_jobs(registry, f"devices.jobs.jobId = '{job_id}'")
    (row,) = rows.items
    assert row.status == "failed"
    assert row.additional_properties["error"]["code"] == "DeviceNotOnline"


def test_job_scheduled_ahead_waits_and_cancels(registry, jobs, fleet, unique_id):
    """Scenario 13."""
    (device,) = fleet(1)
    job_id = f"sj-{unique_id}"[:64]
    later = now() + datetime.timedelta(hours=1)
    jobs.create_scheduled_job(job_id, twin_job(job_id, f"tags.run = '{unique_id}'", {"fw": "9"}, start_time=later))
    assert jobs.get_scheduled_job(job_id).status == "scheduled"
    cancelled = jobs.cancel_scheduled_job(job_id)
    assert cancelled.status == "cancelled"
    assert jobs.get_scheduled_job(job_id).status == "cancelled"
    assert "fw" not in registry.get_twin(device).properties.desired
    with pytest.raises(HttpOperationError) as raised:
        jobs.get_scheduled_job("nope")
    assert raised.value.response.status_code == 404


def test_job_refusals(jobs, unique_id):
    """A duplicate id is 409; a body with a bad query condition 400 (it is evaluated when the job
    starts, so it fails there: the job ends `failed` with the reason)."""
    job_id = f"dup-{unique_id}"[:64]
    later = now() + datetime.timedelta(hours=1)
    jobs.create_scheduled_job(job_id, twin_job(job_id, "*", {"fw": "1"}, start_time=later))
    with pytest.raises(HttpOperationError) as raised:
        jobs.create_scheduled_job(job_id, twin_job(job_id, "*", {"fw": "1"}, start_time=later))
    assert raised.value.response.status_code == 409
    jobs.cancel_scheduled_job(job_id)
    bad = f"bad-{unique_id}"[:64]
    jobs.create_scheduled_job(bad, twin_job(bad, "tags.env ==", {"fw": "1"}))
    failed = wait_for_status(jobs, bad, "failed")
    assert failed.status == "failed" and failed.failure_reason
