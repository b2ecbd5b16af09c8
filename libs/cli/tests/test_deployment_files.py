"""The deployment files cannot be started here (no Docker engine, no cluster), so they are checked
for what would break a real start: every installed service has an API, a worker and a migration
with health checks on /readyz and /healthz, images and builds exist, every environment variable
is one a Settings class reads, and the dashboard only charts metrics the runtime exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from pydantic import AliasChoices

from stockpath_runtime.service import installed_services
from stockpath_runtime.settings import ServiceSettings, env_prefix

ROOT = Path(__file__).parents[3]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "kubernetes"
MONITORING = ROOT / "deploy" / "monitoring"
SERVICES = list(installed_services())


def platform_variables() -> set[str]:
    """Names every service reads without its prefix (broker, logging)."""
    names = set()
    for field in ServiceSettings.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            names.update(a for a in field.validation_alias.choices if isinstance(a, str))
    return names


def unknown_variables(service: str, names: set[str]) -> set[str]:
    """The names in `names` that neither the platform nor `service`'s Settings class reads."""
    settings = installed_services()[service].settings
    prefix = env_prefix(service)
    known = platform_variables() | {prefix + f.upper() for f in settings.model_fields}
    # Nested settings (e.g. LISTING_WEBHOOK__URL) start with a known field and the delimiter.
    nested = {prefix + f.upper() + "__" for f in settings.model_fields}
    return {n for n in names if n not in known and not any(n.startswith(p) for p in nested)}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_apache_kafka_in_kraft_mode_and_postgres_with_health_checks(compose):
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "zookeeper" not in COMPOSE.read_text().lower()
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert compose["services"]["postgres"]["image"].startswith("postgres:")
    for name in ("kafka", "postgres"):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_compose_has_every_service_api_worker_and_migration_built_from_the_repository(compose):
    services = compose["services"]
    for name in SERVICES:
        for role in ("migrate", "api", "worker"):
            spec = services[f"{name}-{role}"]
            assert spec["command"] == [role, name]
            assert (ROOT / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
            env = spec["environment"]
            assert unknown_variables(name, set(env)) == set(), f"{name}-{role}"
            assert env[f"{env_prefix(name)}DATABASE_URL"].endswith(f"/stockpath_{name.replace('-', '_')}")
            assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        for role, port in (("api", 8000), ("worker", 9100)):
            spec = services[f"{name}-{role}"]
            probe = " ".join(spec["healthcheck"]["test"])
            assert f"127.0.0.1:{port}/readyz" in probe, f"{name}-{role}"
            assert spec["environment"][f"{env_prefix(name)}HTTP_HOST"] == "0.0.0.0"
            assert spec["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
            assert spec["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_every_compose_dependency_exists_and_monitoring_is_a_profile(compose):
    services = compose["services"]
    for name, spec in services.items():
        for dependency in spec.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        assert services[name]["healthcheck"]["test"]
    assert all("profiles" not in spec for name, spec in services.items() if name not in ("prometheus", "grafana"))


def test_prometheus_scrapes_every_api_and_worker():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    assert targets == {f"{s}-api:8000" for s in SERVICES} | {f"{s}-worker:9100" for s in SERVICES}


def test_dashboard_charts_only_metrics_the_runtime_exports():
    from prometheus_client import REGISTRY

    import stockpath_runtime.http  # noqa: F401  (registers the HTTP metrics)
    import stockpath_runtime.metrics  # noqa: F401

    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    exported = {family.name + suffix for family in REGISTRY.collect() for suffix in suffixes.get(family.type, [""])}
    dashboard = json.loads((MONITORING / "grafana" / "dashboards" / "stockpath.json").read_text())
    charted = {m for panel in dashboard["panels"] for t in panel["targets"]
               for m in re.findall(r"\b(stockpath_[a-z_]+)", t["expr"])}
    wanted = {"stockpath_events_consumed_total", "stockpath_events_produced_total", "stockpath_handler_seconds_bucket",
              "stockpath_dead_letters_total", "stockpath_outbox_backlog", "stockpath_consumer_lag"}
    assert wanted <= charted
    assert charted <= exported, charted - exported
    provisioning = yaml.safe_load((MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert {p["datasource"]["uid"] for p in dashboard["panels"]} == {provisioning["datasources"][0]["uid"]}


def kubernetes_documents() -> list[dict]:
    return [d for f in sorted(K8S.glob("*.yaml")) if f.name != "kustomization.yaml"
            for d in yaml.safe_load_all(f.read_text()) if d]


def test_kubernetes_manifests_are_complete_and_listed_in_the_kustomization():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert {r for r in kustomization["resources"]} == {f.name for f in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    docs = kubernetes_documents()
    for d in docs:
        assert d["apiVersion"] and d["kind"] and d["metadata"]["name"], d
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    for name in SERVICES:
        assert {f"{name}-api", f"{name}-worker"} <= set(deployments)
        assert f"{name}-api" in services
        init = deployments[f"{name}-api"]["spec"]["template"]["spec"]["initContainers"]
        assert [c["args"] for c in init] == [["migrate", name]]


def test_kubernetes_probes_point_at_readyz_and_healthz_and_env_names_are_settings():
    config = next(d for d in kubernetes_documents() if d["kind"] == "ConfigMap")
    assert set(config["data"]) <= platform_variables()
    secret = next(d for d in kubernetes_documents() if d["kind"] == "Secret")
    for d in kubernetes_documents():
        if d["kind"] != "Deployment":
            continue
        service = d["metadata"]["labels"]["app.kubernetes.io/name"]
        pod = d["spec"]["template"]["spec"]
        assert d["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        for container in pod["containers"]:
            port = container["ports"][0]["containerPort"]
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
            assert container["args"][1] == service
        for container in pod["containers"] + pod.get("initContainers", []):
            names = {e["name"] for e in container["env"]}
            assert unknown_variables(service, names) == set(), container["name"]
            for e in container["env"]:
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secret["stringData"]


def test_dockerfile_runs_the_runtime_entry_point_from_the_locked_workspace():
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    assert 'ENTRYPOINT ["python", "-m", "stockpath_runtime.run"]' in dockerfile
    assert "USER stockpath" in dockerfile
