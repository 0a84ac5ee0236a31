"""ops/grafana/nave-dashboard.json: valid Grafana JSON whose every query names only metrics the
node exposes, as docs/metrics.md lists them (issue #16)."""
import json
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[2]
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def documented_metrics():
    """Names in the first column of docs/metrics.md's tables: `nave_…`."""
    names = set()
    for line in (REPO / "docs" / "metrics.md").read_text().splitlines():
        match = re.match(r"\|\s*`(nave_[a-z0-9_]+)`\s*\|", line)
        if match:
            names.add(match.group(1))
    return names


def series_names(expr):
    """Metric names an expression reads (identifiers starting nave_), histogram suffixes off."""
    names = set()
    for name in re.findall(r"\bnave_[a-z0-9_]+", expr):
        for suffix in HISTOGRAM_SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in documented_metrics():
                name = name[: -len(suffix)]
        names.add(name)
    return names


def dashboard():
    return json.loads((REPO / "ops" / "grafana" / "nave-dashboard.json").read_text())


def test_dashboard_is_grafana_json_with_a_prometheus_datasource_variable():
    board = dashboard()
    assert board["title"] and board["uid"] and isinstance(board["panels"], list) and board["panels"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"], panel["title"]


def test_every_expression_uses_only_exposed_metric_names():
    known = documented_metrics()
    assert "nave_connections" in known and "nave_event_log_fsync_seconds" in known
    exprs = [t["expr"] for p in dashboard()["panels"] for t in p["targets"]]
    used = set()
    for expr in exprs:
        unknown = series_names(expr) - known
        assert not unknown, f"{expr!r} reads metrics the node does not expose: {unknown}"
        used |= series_names(expr)
    # The panels the issue asks for: connections, rates, drops, fsync latency, depths, REST.
    for name in ("nave_connections", "nave_messages_in_total", "nave_messages_dropped_total",
                 "nave_event_log_fsync_seconds", "nave_sessions", "nave_rest_requests_total"):
        assert name in used, name


def test_a_misspelled_name_would_be_caught():
    assert series_names("rate(nave_mesages_in_total[5m])") - documented_metrics() == {"nave_mesages_in_total"}
