"""nave-bench's SVG charts (issue #16): `nave-bench chart FILE.json` draws the chart a run
writes beside its JSON. Each shape of result is given here and the SVG read back with
xml.etree: well-formed, the right kind of chart, every point and bar present, text escaped.

nave-bench is $NAVE_BENCH_BIN, else the newest PerfTests/.build*/debug/nave-bench
(cd PerfTests && swift build --product nave-bench)."""
import json
import os
import pathlib
import subprocess
import xml.etree.ElementTree as ET

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def bench_binary():
    given = os.environ.get("NAVE_BENCH_BIN")
    if given:
        return given
    built = sorted(REPO.glob("PerfTests/.build*/debug/nave-bench"), key=lambda p: p.stat().st_mtime)
    if not built:
        pytest.skip("nave-bench is not built (cd PerfTests && swift build --product nave-bench) and NAVE_BENCH_BIN is unset")
    return str(built[-1])


def chart(tmp_path, name, result):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(result))
    run = subprocess.run([bench_binary(), "chart", str(path)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    svg_path = tmp_path / f"{name}.svg"
    assert run.stdout.strip() == str(svg_path)
    return ET.parse(svg_path).getroot()  # raises on XML that is not well-formed


def texts(root):
    return [element.text for element in root.iter(f"{SVG}text")]


def sweep_round(rate, p50, p99, p999):
    return {"metrics": {"targetRate": rate, "completedPerSecond": rate},
            "latency": {"samples": 100, "p50Micros": p50, "p90Micros": p50, "p99Micros": p99, "p999Micros": p999, "maxMicros": p999}}


def test_sweep_is_latency_percentiles_against_rate(tmp_path):
    rounds = [sweep_round(5000, 80, 200, 400), sweep_round(10000, 90, 260, 900), sweep_round(20000, 150, 4000, 12000)]
    root = chart(tmp_path, "hub-sweep", {"naveRevision": "abc123", "results": [
        {"scenario": {"name": "telemetry-sweep"}, "target": "nave", "rounds": rounds, "median": {}}]})
    assert root.tag == f"{SVG}svg"
    lines = root.findall(f"{SVG}polyline")
    assert [line.find(f"{SVG}title").text for line in lines] == ["p50", "p99", "p99.9"]
    for line in lines:
        points = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
        assert len(points) == 3
        assert [x for x, _ in points] == sorted(x for x, _ in points), "left to right by rate"
    p50, p99, p999 = ([y for _, y in (tuple(map(float, pair.split(","))) for pair in line.get("points").split())] for line in lines)
    assert all(a > b > c for a, b, c in zip(p50, p99, p999)), "a higher percentile is drawn higher (smaller y)"
    assert "offered rate (messages/s)" in texts(root) and any("abc123" in (t or "") for t in texts(root))


def test_compare_is_nave_against_mosquitto_per_scenario(tmp_path):
    results = []
    for scenario, nave, mosquitto in [("qos0-fan-in", 410000, 250000), ("connect", 9000, 12000)]:
        results.append({"scenario": {"name": scenario}, "broker": "nave", "median": {"deliveredPerSecond": nave}})
        results.append({"scenario": {"name": scenario}, "broker": "mosquitto", "median": {"deliveredPerSecond": mosquitto}})
    root = chart(tmp_path, "compare", {"results": results})
    panels = [g for g in root.iter(f"{SVG}g") if g.get("class") == "panel"]
    assert len(panels) == 2
    for panel, (nave, mosquitto) in zip(panels, [(410000, 250000), (9000, 12000)]):
        bars = panel.findall(f"{SVG}rect")
        assert [bar.find(f"{SVG}title").text.split(":")[0] for bar in bars] == ["nave", "mosquitto"]
        heights = [float(bar.get("height")) for bar in bars]
        assert heights[0] / heights[1] == pytest.approx(nave / mosquitto, rel=1e-3), "each panel to its own scale"
    assert "nave vs mosquitto" in root.find(f"{SVG}title").text


def test_flat_figures_are_bars_and_text_is_escaped(tmp_path):
    root = chart(tmp_path, "hub-upload", {"uploads<&>\"per second": 12.5, "MiB per second": 300, "ok": True, "note": "x"})
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    assert sorted(bar.find(f"{SVG}title").text for bar in bars) == ["MiB per second: 300", 'uploads<&>"per second: 12.5']


def test_nothing_to_draw_is_still_a_document(tmp_path):
    root = chart(tmp_path, "empty", {"results": []})
    assert "no data" in texts(root)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    run = subprocess.run([bench_binary(), "chart", str(bad)], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and not (tmp_path / "bad.svg").exists()
