"""File upload (reference §5, §6 scenarios 18-19; contract §2.1-§2.3): the device SDK's
get_storage_info_for_blob and notify_blob_upload_status, the upload itself with the unmodified
azure-storage-blob against Nave's blob store on :443 (trusted through REQUESTS_CA_BUNDLE, §5.3),
and the back end's file notification over HTTP."""
import os

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceExistsError
from azure.iot.device.exceptions import ClientError
from azure.storage.blob import BlobClient

from test_c2d import service_token


@pytest.fixture(autouse=True)
def trust(node, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", node.ca_path)


def blob_url(info):
    return f"https://{info['hostName']}/{info['containerName']}/{info['blobName']}{info['sasToken']}"


def file_notifications(node):
    """Every file notification waiting, each completed with its ETag lock token."""
    headers = {"Authorization": service_token(node)}
    base = "https://localhost/messages/serviceBound/filenotifications"
    found = []
    while True:
        response = requests.get(base, params={"api-version": "2021-04-12"}, headers=headers, verify=node.ca_path, timeout=10)
        if response.status_code == 204:
            return found
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/vnd.microsoft.iothub.filenotification.json"
        found.append(response.json())
        lock = response.headers["ETag"].strip('"')
        done = requests.delete(f"{base}/{lock}", params={"api-version": "2021-04-12"}, headers=headers,
                               verify=node.ca_path, timeout=10)
        assert done.status_code == 204


def test_small_upload_notify_download_and_notification(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    info = client.get_storage_info_for_blob("hello.txt")
    assert set(info) == {"correlationId", "hostName", "containerName", "blobName", "sasToken"}
    assert info["blobName"] == f"{unique_id}/hello.txt"
    assert info["sasToken"].startswith("?") and "sr=b" in info["sasToken"]
    result = BlobClient.from_blob_url(blob_url(info)).upload_blob(b"hello world", overwrite=True)
    assert isinstance(result, dict) and result["etag"]
    assert client.notify_blob_upload_status(info["correlationId"], True, 200, "OK") is None
    assert BlobClient.from_blob_url(blob_url(info)).download_blob().readall() == b"hello world"
    mine = [n for n in file_notifications(node) if n["deviceId"] == unique_id]
    assert len(mine) == 1
    assert mine[0]["blobName"] == info["blobName"]
    assert mine[0]["blobSizeInBytes"] == 11
    assert mine[0]["blobUri"] == f"https://localhost/{info['containerName']}/{info['blobName']}"
    assert {"lastUpdatedTime", "enqueuedTimeUtc"} <= set(mine[0])
    # Notified once: the correlation id is spent (contract §2.3: 400 → ClientError).
    with pytest.raises(ClientError):
        client.notify_blob_upload_status(info["correlationId"], True, 200, "OK")


def test_chunked_upload_overwrite_refusal_and_tampered_signature(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    info = client.get_storage_info_for_blob("logs/big.bin")
    data = os.urandom(300 * 1024)
    blob = BlobClient.from_blob_url(blob_url(info), max_single_put_size=64 * 1024, max_block_size=32 * 1024)
    blob.upload_blob(data, overwrite=True)
    assert BlobClient.from_blob_url(blob_url(info)).download_blob().readall() == data
    # A ranged read, as import jobs and large downloads do.
    assert BlobClient.from_blob_url(blob_url(info)).download_blob(offset=1000, length=5000).readall() == data[1000:6000]
    with pytest.raises(ResourceExistsError):
        BlobClient.from_blob_url(blob_url(info)).upload_blob(b"again")
    token = info["sasToken"]
    start = token.index("sig=") + 4
    tampered = dict(info, sasToken=token[:start] + ("A" if token[start] != "A" else "B") + token[start + 1:])
    with pytest.raises((ClientAuthenticationError, HttpResponseError)) as refused:
        BlobClient.from_blob_url(blob_url(tampered)).upload_blob(b"x", overwrite=True)
    assert refused.value.status_code == 403
    client.notify_blob_upload_status(info["correlationId"], True, 200, "OK")


def test_eleventh_outstanding_upload_is_refused_until_one_is_notified(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    infos = [client.get_storage_info_for_blob(f"f{i}.txt") for i in range(10)]
    with pytest.raises(ClientError):
        client.get_storage_info_for_blob("f10.txt")
    client.notify_blob_upload_status(infos[0]["correlationId"], False, 500, "gave up")
    assert client.get_storage_info_for_blob("f10.txt")["blobName"] == f"{unique_id}/f10.txt"


def test_empty_blob_downloads_after_the_ranged_416(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    info = client.get_storage_info_for_blob("empty.txt")
    BlobClient.from_blob_url(blob_url(info)).upload_blob(b"", overwrite=True)
    assert BlobClient.from_blob_url(blob_url(info)).download_blob().readall() == b""
    client.notify_blob_upload_status(info["correlationId"], True, 200, "OK")


def test_container_sas_from_the_cli_works_with_container_client(node):
    from azure.storage.blob import ContainerClient
    from conftest import nave
    url = nave("storage", "container-sas", "--data-dir", str(node.data_dir), "--container", "exports",
               "--permissions", "rw", "--duration", "600").stdout.strip()
    assert url.startswith("https://localhost/exports?") and "sr=c" in url
    container = ContainerClient.from_container_url(url)
    container.get_blob_client("devices.txt").upload_blob(b'{"id":"d1"}\n', overwrite=True)
    assert container.get_blob_client("devices.txt").download_blob().readall() == b'{"id":"d1"}\n'
    # Read and write only: no delete.
    with pytest.raises(HttpResponseError) as refused:
        container.get_blob_client("devices.txt").delete_blob()
    assert refused.value.status_code == 403


def amqp_file_notifications(node, seconds=10):
    """File notifications received with uamqp (the transport of azure-iot-hub's C2D send, its
    CBS put-token as that SDK signs it) on /messages/serviceBound/filenotifications, each
    accepted; stops at the first empty wait."""
    import base64
    import hashlib
    import hmac
    import json
    import time
    import urllib.parse
    import uamqp
    from azure.core.credentials import AccessToken

    key = node.service_connection_string().split("SharedAccessKey=", 1)[1]

    def get_token():
        expiry = int(time.time() + 3600)
        signature = base64.b64encode(hmac.new(base64.b64decode(key), f"localhost\n{expiry}".encode(), hashlib.sha256).digest())
        return AccessToken(f"SharedAccessSignature sr=localhost&sig={urllib.parse.quote(signature)}&se={expiry}&skn=iothubowner",
                           expiry)

    auth = uamqp.authentication.JWTTokenAuth(audience="https://localhost", uri="https://localhost", get_token=get_token,
                                             token_type=b"servicebus.windows.net:sastoken")
    auth.update_token()
    client = uamqp.ReceiveClient("amqps://localhost/messages/serviceBound/filenotifications", auth=auth,
                                 auto_complete=False, timeout=seconds * 1000)
    found = []
    try:
        while True:
            batch = client.receive_message_batch(max_batch_size=1, timeout=3000)
            if not batch:
                return found
            for message in batch:
                assert message.properties.content_type == b"application/vnd.microsoft.iothub.filenotification.json"
                found.append(json.loads(b"".join(message.get_data())))
                message.accept()
    finally:
        client.close()


def test_file_notification_over_amqp(node, device, unique_id):
    client = node.device_client(unique_id, device.authentication.symmetric_key.primary_key)
    info = client.get_storage_info_for_blob("amqp.txt")
    BlobClient.from_blob_url(blob_url(info)).upload_blob(b"over amqp", overwrite=True)
    client.notify_blob_upload_status(info["correlationId"], True, 200, "OK")
    mine = [n for n in amqp_file_notifications(node) if n["deviceId"] == unique_id]
    assert [n["blobName"] for n in mine] == [info["blobName"]]
    assert mine[0]["blobSizeInBytes"] == 9
    # Accepted: it is gone from the queue, over HTTP too.
    assert [n for n in file_notifications(node) if n["deviceId"] == unique_id] == []
