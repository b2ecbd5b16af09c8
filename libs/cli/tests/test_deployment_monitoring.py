"""Prometheus (deploy/monitoring) as docker-compose's `monitoring` profile runs it: it scrapes every
API and worker, loads the alert rules, and both the rules and the Grafana dashboard read only
metrics the runtime exports (or Prometheus' own `up`). Where promtool is installed (Debian's
`prometheus` package), it checks the configuration and rules and runs their unit tests
(alerts.test.yml: each alert fires on the series it is about, and not on its look-alikes)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from stockpath_runtime.service import installed_services

ROOT = Path(__file__).parents[3]
MONITORING = ROOT / "deploy" / "monitoring"
SERVICES = list(installed_services())
#: Series Prometheus makes itself for every target.
PROMETHEUS_OWN = {"up"}
#: Words of PromQL that are not metric names.
KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "inf",
    "nan",
}


def exported_metrics() -> set[str]:
    """Every series name the runtime exports: counters' _total, histograms' _bucket/_sum/_count."""
    from prometheus_client import REGISTRY

    import stockpath_runtime.http  # noqa: F401  (registers the HTTP metrics)
    import stockpath_runtime.metrics  # noqa: F401

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in suffixes.get(family.type, [""])
    }


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: identifiers that are not functions, keywords,
    label names (inside {} or after by/on/...) or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)  # label matchers, ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = re.findall(r"(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()", expr)
    return {n for n in names if n.lower() not in KEYWORDS}


def test_metric_names_are_read_out_of_promql():
    expr = (
        'sum by (service, le) (rate(stockpath_http_request_seconds_bucket{route!~"/metrics|x"}[5m])) > 2 '
        'unless on (service) foo offset 15m or up{job="a"} == bool 0'
    )
    assert metric_names(expr) == {"stockpath_http_request_seconds_bucket", "foo", "up"}


def test_prometheus_scrapes_every_api_and_worker():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    targets = {
        t
        for job in config["scrape_configs"]
        for group in job["static_configs"]
        for t in group["targets"]
    }
    assert targets == {f"{s}-api:8000" for s in SERVICES} | {f"{s}-worker:9100" for s in SERVICES}


def test_dashboard_charts_only_metrics_the_runtime_exports():
    dashboard = json.loads((MONITORING / "grafana" / "dashboards" / "stockpath.json").read_text())
    charted = {
        m
        for panel in dashboard["panels"]
        for t in panel["targets"]
        for m in re.findall(r"\b(stockpath_[a-z_]+)", t["expr"])
    }
    wanted = {
        "stockpath_events_consumed_total",
        "stockpath_events_produced_total",
        "stockpath_handler_seconds_bucket",
        "stockpath_dead_letters_total",
        "stockpath_outbox_backlog",
        "stockpath_consumer_lag",
    }
    assert wanted <= charted
    assert charted <= exported_metrics(), charted - exported_metrics()
    provisioning = yaml.safe_load(
        (MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {
        provisioning["datasources"][0]["uid"]
    }


@pytest.fixture(scope="module")
def rules() -> dict[str, dict]:
    """alerts.yml's rules by alert name, as the compose file gives them to Prometheus."""
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = dict(v.split(":")[1::-1] for v in compose["services"]["prometheus"]["volumes"])
    config_dir = Path(
        next(target for target in mounts if target.endswith("/prometheus.yml"))
    ).parent
    loaded = [
        mounts[str(config_dir / name)] for name in config["rule_files"]
    ]  # relative to the config file
    assert loaded == ["./deploy/monitoring/alerts.yml"]
    groups = yaml.safe_load((ROOT / loaded[0]).read_text())["groups"]
    named = [rule for group in groups for rule in group["rules"]]
    assert len({r["alert"] for r in named}) == len(named), "alert names are unique"
    return {rule["alert"]: rule for rule in named}


def test_every_alert_reads_only_exported_metrics_and_says_what_it_is(rules):
    exported = exported_metrics() | PROMETHEUS_OWN
    for name, rule in rules.items():
        used = metric_names(rule["expr"])
        assert used and used <= exported, f"{name} reads {used - exported}, which nothing exports"
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0m")), name


def test_the_alerts_cover_lag_outbox_dead_letters_5xx_and_targets_down(rules):
    def about(metric: str, matching: str = "") -> list[str]:
        return [
            n
            for n, r in rules.items()
            if metric in metric_names(r["expr"]) and matching in r["expr"]
        ]

    assert about("stockpath_consumer_lag")
    assert about("stockpath_outbox_backlog") and about(
        "stockpath_outbox_publish_delay_seconds_bucket"
    )
    assert about("stockpath_dead_letters_total")
    assert about("stockpath_outbox_set_aside", "> 0")
    assert about("stockpath_http_requests_total", 'status=~"5..')
    assert about("up", 'job="stockpath-api"') and about("up", 'job="stockpath-worker"')


needs_promtool = pytest.mark.skipif(
    not shutil.which("promtool"),
    reason="promtool is not installed (Debian: apt-get install prometheus)",
)


@needs_promtool
def test_promtool_accepts_the_configuration_and_the_rules():
    for check in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"]):
        run = subprocess.run(["promtool", *check], cwd=MONITORING, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


@needs_promtool
def test_each_alert_fires_on_the_series_it_is_about(rules):
    tests = yaml.safe_load((MONITORING / "alerts.test.yml").read_text())
    tested = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert set(rules) <= tested, f"alerts.test.yml never sees {set(rules) - tested} fire"
    run = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
