"""Automatic device configurations through the unmodified service SDK's
IoTHubConfigurationManager (reference iothub-query-routing-jobs.md §4, scenarios 15-17 of §6):
a configuration applied to the twins its target condition selects (the device's patch handler
sees the desired change), system and custom metrics, priority and removal, retagging, CRUD with
etags and testQueries. The node is shared by the session, so each test tags its own devices
with a value of its own (`tags.run`) and names its configurations after it."""
import pytest
from azure.iot.hub import IoTHubConfigurationManager
from azure.iot.hub.models import (Configuration, ConfigurationContent, ConfigurationMetrics, ConfigurationQueriesTestInput,
                                  Twin)
from devices import DesiredPatches, wait_until
from msrest.exceptions import HttpOperationError


@pytest.fixture(scope="module")
def configurations(node):
    return IoTHubConfigurationManager.from_connection_string(node.service_connection_string())


@pytest.fixture
def config_id(configurations, unique_id):
    """Configuration ids for the test: lowercase (§4.3), unique; whatever is left of them is
    deleted afterwards (`delete_configuration` sends If-Match: *)."""
    made = []

    def make(suffix):
        made.append(f"{unique_id.lower()[-40:]}-{suffix}")
        return made[-1]
    yield make
    for configuration_id in made:
        try:
            configurations.delete_configuration(configuration_id)
        except HttpOperationError:
            pass


def primary_key(registry, device_id):
    return registry.get_device(device_id).authentication.symmetric_key.primary_key


def fw_configuration(configuration_id, run, priority, version, metrics=None):
    return Configuration(id=configuration_id, schema_version="1.0",
                         content=ConfigurationContent(device_content={"properties.desired.fw": {"version": version}}),
                         target_condition=f"tags.run='{run}' AND tags.env='test'", priority=priority,
                         metrics=ConfigurationMetrics(queries=metrics or {}))


def desired_fw(registry, device_id):
    return registry.get_twin(device_id).properties.desired.get("fw")


def test_configuration_applies_and_counts(node, registry, configurations, fleet, unique_id, config_id):
    """Scenario 15."""
    test, prod = fleet(2, {0: {"env": "test"}, 1: {"env": "prod"}})
    client = node.device_client(test, primary_key(registry, test))
    client.connect()
    received = DesiredPatches(client)
    configuration_id = config_id("fw-v2")
    try:
        done_query = f"SELECT deviceId FROM devices WHERE tags.run='{unique_id}' AND properties.reported.fw.version='2.0'"
        created = configurations.create_configuration(
            fw_configuration(configuration_id, unique_id, 10, "2.0", {"done": done_query}))
        assert created.etag
        assert wait_until(lambda: desired_fw(registry, test) == {"version": "2.0"})
        twin = registry.get_twin(test)
        assert twin.additional_properties["configurations"][configuration_id]["status"] == "applied"
        assert desired_fw(registry, prod) is None
        assert received.arrived.wait(10)
        assert received.patches[-1]["fw"] == {"version": "2.0"} and "$version" in received.patches[-1]
        client.patch_twin_reported_properties({"fw": {"version": "2.0"}})
        read = configurations.get_configuration(configuration_id)
        assert read.system_metrics.results == {"targetedCount": 1, "appliedCount": 1}
        assert set(read.system_metrics.queries) == {"targetedCount", "appliedCount"}
        assert read.metrics.results == {"done": 1}
        assert read.metrics.queries == {"done": done_query}
    finally:
        client.shutdown()


def test_priority_wins_removal_reverts_retag_untargets(registry, configurations, fleet, unique_id, config_id):
    """Scenario 16."""
    (device_id,) = fleet(1, {0: {"env": "test"}})
    low, high = config_id("fw-v2"), config_id("fw-v3")
    configurations.create_configuration(fw_configuration(low, unique_id, 10, "2.0"))
    assert wait_until(lambda: desired_fw(registry, device_id) == {"version": "2.0"})
    configurations.create_configuration(fw_configuration(high, unique_id, 20, "3.0"))
    assert wait_until(lambda: desired_fw(registry, device_id) == {"version": "3.0"})
    statuses = registry.get_twin(device_id).additional_properties["configurations"]
    assert statuses[low]["status"] == "targeted" and statuses[high]["status"] == "applied"
    configurations.delete_configuration(high)  # the SDK sends If-Match: *
    assert wait_until(lambda: desired_fw(registry, device_id) == {"version": "2.0"})
    registry.update_twin(device_id, Twin(tags={"env": "prod"}), "*")
    assert wait_until(lambda: desired_fw(registry, device_id) is None)
    assert configurations.get_configuration(low).system_metrics.results == {"targetedCount": 0, "appliedCount": 0}
    assert "configurations" not in registry.get_twin(device_id).additional_properties


def test_crud_etags_listing_and_test_queries(configurations, unique_id, config_id):
    """Scenario 17, with the edges §4.1 leaves to Nave: a create on a taken id is 409, content
    cannot change (400), a deleted configuration reads as 404."""
    configuration_id = config_id("crud")
    created = configurations.create_configuration(fw_configuration(configuration_id, unique_id, 1, "1.0"))
    assert created.system_metrics.results == {"targetedCount": 0, "appliedCount": 0}
    with pytest.raises(HttpOperationError) as taken:
        configurations.create_configuration(fw_configuration(configuration_id, unique_id, 1, "1.0"))
    assert taken.value.response.status_code == 409
    created.priority = 5
    updated = configurations.update_configuration(created, created.etag)
    assert updated.priority == 5 and updated.etag != created.etag
    with pytest.raises(HttpOperationError) as stale:
        configurations.update_configuration(created, "stale")
    assert stale.value.response.status_code == 412
    changed = configurations.get_configuration(configuration_id)
    changed.content = ConfigurationContent(device_content={"properties.desired.fw": {"version": "9"}})
    with pytest.raises(HttpOperationError) as content:
        configurations.update_configuration(changed, changed.etag)
    assert content.value.response.status_code == 400
    listed = configurations.get_configurations(5)
    assert 1 <= len(listed) <= 5
    assert configuration_id in [c.id for c in configurations.get_configurations()]
    valid = configurations.test_configuration_queries(ConfigurationQueriesTestInput(
        target_condition="tags.env='test'", custom_metric_queries={"m": "SELECT deviceId FROM devices"}))
    assert not valid.target_condition_error and not valid.custom_metric_query_errors
    invalid = configurations.test_configuration_queries(ConfigurationQueriesTestInput(target_condition="tags.env=="))
    assert invalid.target_condition_error
    configurations.delete_configuration(configuration_id, updated.etag)
    with pytest.raises(HttpOperationError) as gone:
        configurations.get_configuration(configuration_id)
    assert gone.value.response.status_code == 404


def test_invalid_configurations_are_refused(configurations, unique_id, config_id):
    bad_id = Configuration(id="Upper Case", content=ConfigurationContent(device_content={}), target_condition="*", priority=1)
    with pytest.raises(HttpOperationError) as refused:
        configurations.create_configuration(bad_id)
    assert refused.value.response.status_code == 400
    bad_target = fw_configuration(config_id("bad"), unique_id, 1, "1.0")
    bad_target.target_condition = "tags.env=="
    with pytest.raises(HttpOperationError) as refused:
        configurations.create_configuration(bad_target)
    assert refused.value.response.status_code == 400
