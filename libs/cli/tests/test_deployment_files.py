"""The deployment files cannot be started here (no Docker engine, no cluster), so they are checked
for what would break a real start: every installed service has an API, a worker and a migration
with health checks on /readyz and /healthz, images and builds exist, every environment variable
is one a Settings class reads; in Kubernetes, migrations run once as a Job the pods wait for,
disruption budgets and resources bound every pod, and network policies admit only what is served.
Elsewhere: the image (test_deployment_image.py), the Kafka broker, its users, ACLs and topics
(test_deployment_kafka.py), Prometheus, its alerts and the dashboard (test_deployment_monitoring.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pydantic import AliasChoices

from stockpath_runtime.service import installed_services
from stockpath_runtime.settings import ServiceSettings, env_prefix

ROOT = Path(__file__).parents[3]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "kubernetes"
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


@pytest.mark.skipif(
    not shutil.which("docker-compose"), reason="docker-compose (Debian's, v1) is not installed"
)
def test_docker_compose_reads_the_file_with_every_profile():
    """docker-compose validates the file against the Compose schema and interpolates it (no engine)."""
    run = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "--profile", "monitoring", "config", "--services"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COMPOSE_PROJECT_NAME": "check"},
    )
    assert run.returncode == 0, run.stderr
    assert set(run.stdout.split()) == set(yaml.safe_load(COMPOSE.read_text())["services"])


def test_compose_has_every_service_api_worker_and_migration_built_from_the_repository(compose):
    services = compose["services"]
    for name in SERVICES:
        for role in ("migrate", "api", "worker"):
            spec = services[f"{name}-{role}"]
            assert spec["command"] == [role, name]
            assert (ROOT / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
            env = spec["environment"]
            assert unknown_variables(name, set(env)) == set(), f"{name}-{role}"
            assert env[f"{env_prefix(name)}DATABASE_URL"].endswith(
                f"/stockpath_{name.replace('-', '_')}"
            )
            assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        for role, port in (("api", 8000), ("worker", 9100)):
            spec = services[f"{name}-{role}"]
            probe = " ".join(spec["healthcheck"]["test"])
            assert f"127.0.0.1:{port}/readyz" in probe, f"{name}-{role}"
            assert spec["environment"][f"{env_prefix(name)}HTTP_HOST"] == "0.0.0.0"
            assert (
                spec["depends_on"][f"{name}-migrate"]["condition"]
                == "service_completed_successfully"
            )
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
    monitoring = ("prometheus", "grafana", "kafka-ui", "jaeger")
    for name in monitoring:
        assert services[name]["profiles"] == ["monitoring"]
        assert services[name]["healthcheck"]["test"]
    assert all("profiles" not in spec for name, spec in services.items() if name not in monitoring)


def test_services_trace_to_jaeger_in_the_monitoring_profile_when_asked(compose):
    """Tracing stays off unless STOCKPATH_OTLP_ENDPOINT is set; the value the example .env gives
    names Jaeger's OTLP/HTTP port on the compose network."""
    services = compose["services"]
    jaeger = services["jaeger"]
    assert jaeger["image"].startswith("jaegertracing/all-in-one:")
    assert jaeger["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    assert "4318" in jaeger["expose"]
    for name in SERVICES:
        for role in ("api", "worker"):
            env = services[f"{name}-{role}"]["environment"]
            assert env["STOCKPATH_OTLP_ENDPOINT"] == "${STOCKPATH_OTLP_ENDPOINT:-}", (
                f"{name}-{role}"
            )
            assert "jaeger" not in services[f"{name}-{role}"].get(
                "depends_on", {}
            )  # off the default profile
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    assert "# STOCKPATH_OTLP_ENDPOINT=http://jaeger:4318" in example.splitlines()


def kubernetes_documents() -> list[dict]:
    return [
        d
        for f in sorted(K8S.glob("*.yaml"))
        if f.name != "kustomization.yaml"
        for d in yaml.safe_load_all(f.read_text())
        if d
    ]


def workloads(docs: list[dict]) -> list[tuple[dict, str, dict]]:
    """(document, service, pod spec) of every Deployment and Job."""
    return [
        (d, d["metadata"]["labels"]["app.kubernetes.io/name"], d["spec"]["template"]["spec"])
        for d in docs
        if d["kind"] in ("Deployment", "Job")
    ]


def test_kubernetes_manifests_are_complete_and_listed_in_the_kustomization():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert {r for r in kustomization["resources"]} == {f.name for f in K8S.glob("*.yaml")} - {
        "kustomization.yaml"
    }
    docs = kubernetes_documents()
    for d in docs:
        assert d["apiVersion"] and d["kind"] and d["metadata"]["name"], d
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    for name in SERVICES:
        assert {f"{name}-api", f"{name}-worker"} <= set(deployments)
        assert f"{name}-api" in services


def test_kubernetes_migrates_once_in_a_job_and_the_pods_wait_for_its_schema():
    docs = kubernetes_documents()
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    assert set(jobs) == {f"{name}-migrate" for name in SERVICES}
    for name in SERVICES:
        job = jobs[f"{name}-migrate"]["spec"]
        assert [c["args"] for c in job["template"]["spec"]["containers"]] == [["migrate", name]]
        assert job["template"]["spec"]["restartPolicy"] == "Never" and job["backoffLimit"] >= 1
    dockerfile = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    assert re.search(r"^COPY .*deploy/docker/wait_for_migrations\.py.* /app/$", dockerfile, re.M), (
        "in the image"
    )
    for d, service, pod in workloads(docs):
        if d["kind"] != "Deployment":
            continue
        assert [c.get("command") for c in pod["initContainers"]] == [
            ["python", "/app/wait_for_migrations.py", service]
        ], d["metadata"]["name"]
        assert not [c for c in pod["containers"] if "migrate" in c.get("args", [])], (
            "no replica migrates"
        )


def test_kubernetes_probes_point_at_readyz_and_healthz_and_env_names_are_settings():
    config = next(d for d in kubernetes_documents() if d["kind"] == "ConfigMap")
    assert set(config["data"]) <= platform_variables()
    secrets = {d["metadata"]["name"]: d for d in kubernetes_documents() if d["kind"] == "Secret"}
    for d, service, pod in workloads(kubernetes_documents()):
        assert (
            d["spec"].get("selector", {}).get("matchLabels", {}).items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        )
        for container in pod["containers"]:
            assert container["args"][1] == service
            if d["kind"] == "Job":
                continue
            port = container["ports"][0]["containerPort"]
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        for container in pod["containers"] + pod.get("initContainers", []):
            assert {"name": "stockpath-config"} in [e["configMapRef"] for e in container["envFrom"]]
            names = {e["name"] for e in container["env"]}
            assert unknown_variables(service, names) == set(), container["name"]
            for e in container["env"]:
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], (
                        container["name"],
                        ref,
                    )


def test_kubernetes_pods_reserve_resources_and_run_unprivileged_as_the_images_user():
    uid = int(
        re.search(
            r"useradd .*--uid (\d+)", (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
        ).group(1)
    )
    for d, _, pod in workloads(kubernetes_documents()):
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == uid
        for container in pod["containers"] + pod.get("initContainers", []):
            where = f"{d['metadata']['name']}/{container['name']}"
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert "memory" in container["resources"]["limits"], where
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], where


def test_kubernetes_disruption_budgets_keep_an_api_serving_and_drain_workers_one_at_a_time():
    docs = kubernetes_documents()
    budgets = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "PodDisruptionBudget"}
    deployments = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "Deployment"}
    assert set(budgets) == set(deployments)
    for name, spec in deployments.items():
        budget = budgets[name]
        assert budget["selector"] == spec["selector"], name
        assert (
            budget["maxUnavailable"] == 1 and budget["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
        ), name
        if name.endswith("-api"):
            assert spec["replicas"] - budget["maxUnavailable"] >= 1, (
                f"{name}: a drain would stop every replica"
            )


def test_kubernetes_network_policies_admit_each_pod_on_the_ports_it_serves_only():
    docs = kubernetes_documents()
    policies = [d["spec"] for d in docs if d["kind"] == "NetworkPolicy"]
    assert {"podSelector": {}, "policyTypes": ["Ingress"]} in policies, "deny what no policy allows"
    for d, _, pod in workloads(docs):
        labels = d["spec"]["template"]["metadata"]["labels"]
        admitted = {
            port["port"]
            for p in policies
            if p["podSelector"].get("matchLabels", {}).items() <= labels.items()
            for rule in p.get("ingress", [])
            for port in rule["ports"]
        }
        served = {port["containerPort"] for c in pod["containers"] for port in c.get("ports", [])}
        assert admitted == served, d["metadata"]["name"]


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is not installed")
def test_kustomize_renders_every_manifest_with_the_released_image():
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=True
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    assert len(docs) == len(kubernetes_documents())
    image = yaml.safe_load((K8S / "kustomization.yaml").read_text())["images"][0]
    for _, _, pod in workloads(docs):
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["image"] == f"{image['newName']}:{image['newTag']}"
    assert {d["metadata"].get("namespace", "stockpath") for d in docs} == {"stockpath"}


def test_kubernetes_workers_take_their_own_kafka_secret():
    docs = kubernetes_documents()
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert (
        config["data"]["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        and config["data"]["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    )
    secrets = {d["metadata"]["name"]: d["stringData"] for d in docs if d["kind"] == "Secret"}
    for d in (d for d in docs if d["kind"] == "Deployment"):
        service = d["metadata"]["labels"]["app.kubernetes.io/name"]
        pod = d["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            refs = {
                e["name"]: e.get("valueFrom", {}).get("secretKeyRef", {}) for e in container["env"]
            }
            kafka_refs = {k: v for k, v in refs.items() if k.startswith("KAFKA_SASL")}
            if container["name"] != "worker":
                assert not kafka_refs, (
                    f"{d['metadata']['name']}/{container['name']} does not talk to Kafka"
                )
                continue
            assert kafka_refs == {
                k: {"name": f"stockpath-kafka-{service}", "key": k}
                for k in ("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD")
            }
            assert secrets[f"stockpath-kafka-{service}"]["KAFKA_SASL_USERNAME"] == service
