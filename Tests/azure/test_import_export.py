"""Import/export jobs (reference iothub-query-routing-jobs.md §3.5, §6 scenario 20) through the
unmodified service SDK's IoTHubJobManager (create_import_export_job, get_import_export_job(s),
cancel_import_export_job), against containers of Nave's own blob store whose SAS URLs come from
`nave storage container-sas` and are read and written with azure-storage-blob's
ContainerClient.from_container_url (container URLs: the 2-segment localhost trap of §5.3 does
not apply to them). The node is shared by the session: device ids are unique per test, and
the export, which lists every device, is checked for this test's devices only."""
import json
import time

import pytest
from azure.iot.hub import IoTHubJobManager
from azure.iot.hub.models import JobProperties, Twin
from azure.storage.blob import ContainerClient
from msrest.exceptions import HttpOperationError

from conftest import nave


@pytest.fixture(autouse=True)
def trust(node, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", node.ca_path)


@pytest.fixture(scope="module")
def jobs(node):
    return IoTHubJobManager.from_connection_string(node.service_connection_string())


def container_url(node, name, permissions="racwdl"):
    return nave("storage", "container-sas", "--data-dir", str(node.data_dir), "--container", name,
                "--permissions", permissions, "--duration", "900").stdout.strip()


def finished(jobs, job_id, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = jobs.get_import_export_job(job_id)
        if job.status in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job.status}")


def lines(container, name):
    return [json.loads(line) for line in container.get_blob_client(name).download_blob().readall().decode().splitlines() if line]


def test_export_then_import_round_trip_with_error_log(node, jobs, registry, unique_id):
    # Scenario 20, export: this test's device with a tag, keys excluded.
    exported_id = f"{unique_id}-exp"
    registry.create_device_with_sas(exported_id, None, None, "enabled")
    registry.update_twin(exported_id, Twin(tags={"run": unique_id}), "*")
    exp_url = container_url(node, "exp")
    created = jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=exp_url,
                                                          exclude_keys_in_export=True))
    assert created.job_id and created.type == "export" and created.status in ("enqueued", "running", "completed")
    job = finished(jobs, created.job_id)
    assert job.status == "completed" and job.progress == 100, job.failure_reason
    assert job.start_time_utc is not None and job.end_time_utc is not None
    devices = lines(ContainerClient.from_container_url(exp_url), "devices.txt")
    assert all("id" in line for line in devices)
    assert all(line["authentication"]["symmetricKey"]["primaryKey"] is None for line in devices)
    mine = [line for line in devices if line["id"] == exported_id]
    assert len(mine) == 1
    assert mine[0]["tags"] == {"run": unique_id} and mine[0]["status"] == "enabled"
    assert "$version" in mine[0]["properties"]["desired"] and "$metadata" in mine[0]["properties"]["reported"]

    # Import: one new device with its keys, and a duplicate create of an existing one.
    new_id = f"{unique_id}-imp1"
    key, key2 = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
    body = (json.dumps({"id": new_id, "importMode": "create", "status": "enabled",
                        "authentication": {"symmetricKey": {"primaryKey": key, "secondaryKey": key2}, "type": "sas"}})
            + "\n" + json.dumps({"id": exported_id, "importMode": "create"}) + "\n")
    inp_url, out_url = container_url(node, "inp"), container_url(node, "out")
    ContainerClient.from_container_url(inp_url).get_blob_client("devices.txt").upload_blob(body.encode(), overwrite=True)
    imported = jobs.create_import_export_job(JobProperties(type="import", input_blob_container_uri=inp_url,
                                                           output_blob_container_uri=out_url, storage_authentication_type="keyBased"))
    job = finished(jobs, imported.job_id)
    assert job.status == "completed" and job.progress == 100
    device = registry.get_device(new_id)
    assert device.status == "enabled" and device.authentication.symmetric_key.primary_key == key
    errors = lines(ContainerClient.from_container_url(out_url), "importErrors.log")
    assert len(errors) == 1
    assert errors[0]["errorCode"] == 409001 and "line 2" in errors[0]["errorStatus"] and exported_id in errors[0]["errorStatus"]

    listed = {j.job_id: j for j in jobs.get_import_export_jobs()}
    assert {created.job_id, imported.job_id} <= set(listed)
    assert listed[created.job_id].type == "export" and listed[imported.job_id].type == "import"
    for device_id in (exported_id, new_id):
        registry.delete_device(device_id)


def test_second_job_is_refused_while_one_runs_and_cli_runs_jobs(node, jobs, registry, unique_id):
    # An import of 3,000 devices runs long enough (30 bulk writes, each durable) for a second
    # create to find it active: 403 403001 JobQuotaExceeded (one import/export job per hub, §3.5).
    count = 3000
    inp_url, out_url, exp_url = container_url(node, "inp"), container_url(node, "out"), container_url(node, "exp")
    inp = ContainerClient.from_container_url(inp_url)
    inp.get_blob_client("bulk.txt").upload_blob(
        "".join(json.dumps({"id": f"{unique_id}-{i}"}) + "\n" for i in range(count)).encode(), overwrite=True)
    first = jobs.create_import_export_job(JobProperties(type="import", input_blob_container_uri=inp_url, input_blob_name="bulk.txt",
                                                        output_blob_container_uri=out_url))
    with pytest.raises(HttpOperationError) as refused:
        jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=exp_url))
    assert refused.value.response.status_code == 403
    assert json.loads(refused.value.response.json()["Message"])["errorCode"] == 403001
    assert finished(jobs, first.job_id).status == "completed"
    assert registry.get_device(f"{unique_id}-{count - 1}").status == "enabled"

    # The CLI: export, then import the same devices with importMode delete (they go again).
    out = nave("device", "export", "--data-dir", str(node.data_dir), "--container", "cli-exp", "--exclude-keys")
    assert json.loads(out.stdout)["status"] == "completed"
    exported = lines(ContainerClient.from_container_url(container_url(node, "cli-exp")), "devices.txt")
    assert {f"{unique_id}-0", f"{unique_id}-{count - 1}"} <= {line["id"] for line in exported}
    inp.get_blob_client("devices.txt").upload_blob(
        "".join(json.dumps({"id": f"{unique_id}-{i}", "importMode": "delete"}) + "\n" for i in range(count)).encode(), overwrite=True)
    out = nave("device", "import", "--data-dir", str(node.data_dir), "--container", "inp", "--output-container", "cli-out")
    job = json.loads(out.stdout)
    assert job["status"] == "completed" and "failureReason" not in job, job
    with pytest.raises(HttpOperationError) as gone:
        registry.get_device(f"{unique_id}-0")
    assert gone.value.response.status_code == 404


def test_bad_sas_or_host_fails_the_job_and_unknown_job_is_404(node, jobs):
    good = container_url(node, "exp", "r")   # read only: an export needs w
    job = finished(jobs, jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=good)).job_id)
    assert job.status == "failed" and "does not allow w" in job.failure_reason
    tampered = container_url(node, "exp").replace("sig=", "sig=AAAA")
    job = finished(jobs, jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=tampered)).job_id)
    assert job.status == "failed" and "SAS" in job.failure_reason
    elsewhere = container_url(node, "exp").replace("https://localhost/", "https://blob.example.com/")
    job = finished(jobs, jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=elsewhere)).job_id)
    assert job.status == "failed" and "blob.example.com" in job.failure_reason
    with pytest.raises(HttpOperationError) as identity:
        jobs.create_import_export_job(JobProperties(type="export", output_blob_container_uri=good,
                                                    storage_authentication_type="identityBased"))
    assert identity.value.response.status_code == 400
    with pytest.raises(HttpOperationError) as missing:
        jobs.get_import_export_job("00000000-0000-4000-8000-000000000000")
    assert missing.value.response.status_code == 404
    # Cancelling a finished job returns it unchanged.
    jobs.cancel_import_export_job(job.job_id)
    assert jobs.get_import_export_job(job.job_id).status == "failed"
