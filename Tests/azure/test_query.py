"""IoT Hub's query language through the unmodified service SDK (reference
iothub-query-routing-jobs.md §1, scenarios 1-8 of §6): `query_iot_hub` over twins and module
twins, paging with continuation tokens, COUNT, GROUP BY, projections, IN/NIN/IS_DEFINED, and
the errors for queries the language refuses. The node is shared by the session, so every test
tags its own devices with a value of its own and queries by it."""
import json

import pytest
from conftest import nave
from azure.iot.hub.models import QuerySpecification, Twin
from msrest.exceptions import HttpOperationError


def query(registry, text, **kwargs):
    return registry.query_iot_hub(QuerySpecification(query=text), **kwargs)


def test_where_on_tags_returns_the_matching_twins(registry, fleet, unique_id):
    first, second = fleet(2, {0: {"env": "test"}, 1: {"env": "prod"}})
    result = query(registry, f"SELECT * FROM devices WHERE tags.run = '{unique_id}' AND tags.env = 'test'")
    assert result.type == "twin"
    assert [item.device_id for item in result.items] == [first]
    assert result.items[0].tags == {"run": unique_id, "env": "test"}
    assert result.continuation_token is None


def test_paging_follows_continuation_tokens_without_repeats(registry, fleet):
    ids = fleet(5)
    text = "SELECT * FROM devices WHERE deviceId IN [" + ",".join(f"'{i}'" for i in ids) + "]"
    pages, token = [], None
    while True:
        result = query(registry, text, continuation_token=token, max_item_count=2)
        pages.append([item.device_id for item in result.items])
        token = result.continuation_token
        if token is None:
            break
    assert [len(page) for page in pages] == [2, 2, 1]
    seen = [device_id for page in pages for device_id in page]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 5


def test_count_answers_one_raw_row_with_the_registry_count(registry, fleet, unique_id):
    fleet(3)
    result = query(registry, f"SELECT COUNT() AS total FROM devices WHERE tags.run = '{unique_id}'")
    assert result.type == "raw"
    assert result.items[0].additional_properties == {"total": 3}
    everyone = query(registry, "SELECT COUNT() AS total FROM devices").items[0].additional_properties["total"]
    assert everyone == registry.get_device_registry_statistics().total_device_count


def test_group_by_reported_status(node, registry, fleet, unique_id):
    ids = fleet(3)
    for device_id, status in zip(ids, ["ok", "ok", "err"]):
        key = registry.get_device(device_id).authentication.symmetric_key.primary_key
        client = node.device_client(device_id, key)
        client.connect()
        client.patch_twin_reported_properties({"status": status})
        client.shutdown()
    result = query(registry, f"SELECT properties.reported.status AS s, COUNT() AS n FROM devices "
                             f"WHERE tags.run = '{unique_id}' GROUP BY properties.reported.status")
    assert result.type == "raw"
    rows = sorted((item.additional_properties["s"], item.additional_properties["n"]) for item in result.items)
    assert rows == [("err", 1), ("ok", 2)]


def test_projection_returns_only_the_listed_fields(registry, fleet):
    (device_id,) = fleet(1)
    result = query(registry, f"SELECT deviceId, lastActivityTime FROM devices WHERE deviceId = '{device_id}'")
    assert result.type == "raw"
    assert result.items[0].device_id == device_id
    assert result.items[0].tags is None


def test_in_nin_and_is_defined_follow_undefined_semantics(node, registry, fleet, unique_id):
    ids = fleet(3)
    for device_id, conn in zip(ids, ["wifi", "cellular", None]):
        key = registry.get_device(device_id).authentication.symmetric_key.primary_key
        client = node.device_client(device_id, key)
        client.connect()
        client.patch_twin_reported_properties({"conn": conn or "x"})
        if conn is None:
            client.patch_twin_reported_properties({"conn": None})  # a null deletes the key
        client.shutdown()
    scope = f"tags.run = '{unique_id}'"

    def ids_of(condition):
        return [item.device_id for item in query(registry, f"SELECT * FROM devices WHERE {scope} AND {condition}").items]

    assert ids_of("properties.reported.conn IN ['wifi','wired']") == [ids[0]]
    assert ids_of("is_defined(properties.reported.conn)") == ids[:2]
    assert ids_of("properties.reported.conn NIN ['wifi']") == [ids[1]]


def test_module_twins_are_their_own_collection(registry, fleet, unique_id):
    (device_id,) = fleet(1)
    registry.create_module_with_sas(device_id, "m1", None, None, None)
    registry.update_module_twin(device_id, "m1", Twin(tags={"run": unique_id}), "*")
    result = query(registry, f"SELECT * FROM devices.modules WHERE moduleId = 'm1' AND tags.run = '{unique_id}'")
    assert [(item.device_id, item.module_id) for item in result.items] == [(device_id, "m1")]


@pytest.mark.parametrize("text", ["SELECT * FROM nowhere", "SELECT * FROM devices WHERE", "SELECT * FROM devices WHERE tags.x = 'a" ,
                                  "SELECT " + "x" * 9000 + " FROM devices"])
def test_invalid_queries_are_400_with_a_reason(registry, text):
    with pytest.raises(HttpOperationError) as raised:
        query(registry, text)
    assert raised.value.response.status_code == 400
    assert "400004" in raised.value.response.text or "ArgumentInvalid" in raised.value.response.text


def test_cli_query_prints_one_object_per_row(node, fleet, unique_id):
    fleet(2)
    output = nave("query", f"SELECT deviceId FROM devices WHERE tags.run = '{unique_id}'", "--data-dir", str(node.data_dir)).stdout
    rows = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert sorted(row["deviceId"] for row in rows) == [f"{unique_id}-0", f"{unique_id}-1"]
