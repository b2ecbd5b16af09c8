"""The compose file's Kafka: the broker keeps its log in its volume; it takes SASL/SCRAM clients only,
behind ACLs that are the event registry's (each service writes what it publishes and the
dead-letter topics of what it consumes, reads what it consumes, uses its own consumer group
prefix), one user per worker; the topics are the registry's, the event topics (the platform's
log: replay rebuilds stores from them) kept for ever and dead letters for 30 days. The setup
script, run against stand-ins of Kafka's tools, creates exactly the listed users, topics with their
configs and ACLs, and gives existing topics the listed configs."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from stockpath_events import REGISTRY, dead_letter_topic
from stockpath_runtime import kafka
from stockpath_runtime.service import installed_services

ROOT = Path(__file__).parents[3]
COMPOSE = ROOT / "docker-compose.yml"
KAFKA_SETUP = ROOT / "deploy" / "kafka" / "kafka-setup.sh"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
SERVICES = list(installed_services())
#: Example principals of outside systems, and the ce_source they publish under: an FC's system
#: (writes its fulfillment updates, reads the instructions addressed to FCs) and a sales channel's.
OUTSIDE = {"fc-sea1": "/fulfillment-centers/", "channel-marketplace": "/channels/"}
#: ${VARIABLE:-default}: how the compose file names a secret and its development default.
VARIABLE = re.compile(r"\$\{(\w+):-([^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_kafka_keeps_its_log_in_its_volume(compose):
    kafka_service = compose["services"]["kafka"]
    env = kafka_service["environment"]
    volumes = dict(v.split(":")[:2] for v in kafka_service["volumes"])
    data = next(target for source, target in volumes.items() if source in compose["volumes"])
    log_dirs = env["KAFKA_LOG_DIRS"].split(",")
    assert log_dirs and all(d == data or d.startswith(data + "/") for d in log_dirs), (
        "topics would vanish"
    )
    # KRaft's metadata log goes to the first log directory unless set elsewhere.
    assert env.get("KAFKA_METADATA_LOG_DIR", log_dirs[0]).startswith(data)
    # The image formats the volume once with the cluster id and must find the same id after.
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16
    # Topics created without kafka-setup's configs (a worker's, the dlq command's) expire nothing.
    assert env["KAFKA_LOG_RETENTION_MS"] == "-1"


def publishing(source) -> set[str]:
    """The topics carrying a type `source` (a ce_source predicate) may publish, by the registry."""
    return {
        spec.topic for spec in REGISTRY if any(source(pattern) for pattern in spec.allowed_sources)
    }


def expected_acls() -> set[tuple[str, ...]]:
    """(user, operation, resource type, pattern type, name) of every ACL the registry implies."""
    acls = set()
    for name, service in installed_services().items():
        consumed = {s.topic for s in service.consumed(service.load_settings())}
        writes = publishing(lambda p, n=name: p == f"/services/{n}") | {
            dead_letter_topic(t) for t in consumed
        }
        acls |= {(name, "Write", "topic", "literal", t) for t in writes}
        acls |= {(name, "Read", "topic", "literal", t) for t in consumed}
        acls.add(
            (
                name,
                "Read",
                "group",
                "prefixed",
                service.load_settings(consumer_group="").consumer_group,
            )
        )
    for user, source in OUTSIDE.items():
        acls |= {
            (user, "Write", "topic", "literal", t)
            for t in publishing(lambda p, s=source: p.startswith(s))
        }
    # Events addressed to a fulfillment center carry its id as the `fulfillmentcenter` extension.
    addressed_to_fcs = {spec.topic for spec in REGISTRY if "fulfillmentcenter" in spec.extensions}
    acls |= {("fc-sea1", "Read", "topic", "literal", t) for t in addressed_to_fcs}
    acls.add(("fc-sea1", "Read", "group", "prefixed", "fc-sea1"))
    acls |= {
        ("operator", "All", "topic", "literal", "*"),
        ("operator", "All", "group", "literal", "*"),
        ("operator", "Describe", "cluster", "literal", "kafka-cluster"),
    }
    return acls


def render_acls(acls: set[tuple[str, ...]]) -> str:
    """The compose file's STOCKPATH_KAFKA_ACLS block for `acls` (paste it when the registry changes)."""
    users = [*SERVICES, "operator", *OUTSIDE]
    ordered = sorted(
        acls, key=lambda a: (users.index(a[0]), a[2] != "topic", a[1] != "Write", a[4])
    )
    return "".join(f"{u:<20}{o:<10}{r:<9}{p:<10}{n}\n" for u, o, r, p, n in ordered)


def listed(block: str) -> list[list[str]]:
    return [
        line.split()
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def with_defaults(value):
    """A compose value as `docker compose` reads it with no .env file: every variable at its default."""
    return VARIABLE.sub(lambda m: m.group(2), value) if isinstance(value, str) else value


@pytest.fixture(scope="module")
def kafka_setup(compose) -> dict:
    return compose["services"]["kafka-setup"]["environment"]


def test_compose_kafka_takes_only_scram_clients_and_authorizes_each_request(compose):
    kafka_service = compose["services"]["kafka"]
    env = kafka_service["environment"]
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}, (
        "no listener may take unauthenticated clients"
    )
    listeners = {url.split("://")[0] for url in env["KAFKA_LISTENERS"].split(",")}
    assert listeners == set(protocols)
    for name in ("INTERNAL", "EXTERNAL"):  # the services' and the operator's
        assert env[f"KAFKA_LISTENER_NAME_{name}_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        assert (
            "ScramLoginModule"
            in env[f"KAFKA_LISTENER_NAME_{name}_SCRAM___SHA___512_SASL_JAAS_CONFIG"]
        )
    for name in ("ADMIN", "CONTROLLER"):  # the super user's, never published
        assert env[f"KAFKA_LISTENER_NAME_{name}_SASL_ENABLED_MECHANISMS"] == "PLAIN"
        assert (
            "${KAFKA_ADMIN_PASSWORD:-" in env[f"KAFKA_LISTENER_NAME_{name}_PLAIN_SASL_JAAS_CONFIG"]
        )
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "ADMIN"
    assert (
        env["KAFKA_AUTHORIZER_CLASS_NAME"]
        == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert kafka_service["ports"] == [
        "29092:29092"
    ]  # the operator's SCRAM listener; admin's stays inside
    probe = kafka_service["healthcheck"]["test"]
    assert (
        probe[-1] == "healthcheck"
        and kafka_service["environment"]["STOCKPATH_KAFKA_BOOTSTRAP"] == "localhost:9094"
    )


def test_compose_acls_are_the_registrys(kafka_setup):
    granted = {tuple(line) for line in listed(kafka_setup["STOCKPATH_KAFKA_ACLS"])}
    expected = expected_acls()
    assert granted == expected, (
        f"not in the registry: {sorted(granted - expected)}\nmissing: {sorted(expected - granted)}\n"
        f"STOCKPATH_KAFKA_ACLS should read:\n{render_acls(expected)}"
    )


def topic_config(topic: str) -> list[str]:
    """What the runtime creates the topic with (kafka.topic_config), as kafka-setup's arguments."""
    return [f"{key}={value}" for key, value in kafka.topic_config(topic).items()]


def test_compose_creates_every_topic_of_the_registry_as_the_services_would(compose, kafka_setup):
    topics = listed(kafka_setup["STOCKPATH_KAFKA_TOPICS"])
    assert [t for t, *_ in topics] == kafka.all_topics()
    assert {t: configs for t, *configs in topics} == {
        t: topic_config(t) for t in kafka.all_topics()
    }
    assert (
        kafka_setup["STOCKPATH_KAFKA_PARTITIONS"]
        == compose["x-stockpath-env"]["KAFKA_TOPIC_PARTITIONS"]
    )
    assert (
        kafka_setup["STOCKPATH_KAFKA_REPLICATION"]
        == compose["x-stockpath-env"]["KAFKA_TOPIC_REPLICATION"]
    )


def test_every_worker_has_its_own_kafka_user_and_nothing_else_holds_one(compose, kafka_setup):
    users = {user: password for user, password in listed(kafka_setup["STOCKPATH_KAFKA_USERS"])}
    assert set(users) == {a[0] for a in expected_acls()}
    variables = [VARIABLE.fullmatch(password) for password in users.values()]
    assert all(variables) and len({v.group(1) for v in variables}) == len(users), (
        "one variable per user"
    )
    assert all(v.group(2).startswith("dev-only-") for v in variables), (
        "defaults say they are for development"
    )
    workers = {f"{service}-worker": service for service in SERVICES}
    for name, spec in compose["services"].items():
        env = spec.get("environment", {})
        if name in workers:
            assert (
                env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
                and env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
            )
            assert env["KAFKA_SASL_USERNAME"] == workers[name]
            assert env["KAFKA_SASL_PASSWORD"] == users[workers[name]]
            assert (
                spec["depends_on"]["kafka-setup"]["condition"] == "service_completed_successfully"
            )
        elif name == "kafka-ui":  # the operator's view
            jaas = env["KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG"]
            assert f'username="operator" password="{users["operator"]}"' in jaas and "Scram" in jaas
            assert env["KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
            assert env["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"] == "kafka:9092"
            assert env["KAFKA_CLUSTERS_0_READONLY"] == "true" and env["AUTH_TYPE"] == "LOGIN_FORM"
            assert all(port.startswith("127.0.0.1:") for port in spec["ports"]), (
                "the UI stays on the host"
            )
        elif name not in ("kafka", "kafka-setup"):  # APIs and migrations never talk to Kafka
            held = {k for k, v in env.items() if k.startswith("KAFKA_SASL") or "${KAFKA_" in str(v)}
            assert not held, f"{name} holds Kafka credentials it does not use: {held}"


def test_a_worker_started_as_compose_starts_it_authenticates_with_its_own_user(
    compose, monkeypatch
):
    for variable in (
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
    ):
        monkeypatch.delenv(variable, raising=False)
    assert (
        kafka.client_options() == {} and kafka.faust_credentials() is None
    )  # local broker: plaintext
    for service in SERVICES:
        for key, value in compose["services"][f"{service}-worker"]["environment"].items():
            monkeypatch.setenv(key, with_defaults(value))
        settings = installed_services()[service].load_settings()
        assert kafka.client_options(settings) == {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": service,
            "sasl_plain_password": f"dev-only-{service}-secret",
        }
        assert kafka.client_options() == kafka.client_options(
            settings
        )  # the producers read the environment
        credentials = kafka.faust_credentials(settings)
        assert (credentials.username, credentials.mechanism.value) == (service, "SCRAM-SHA-512")


def stand_ins(folder: Path, outputs: dict[str, str]) -> Path:
    """Stand-ins of Kafka's tools in `folder`: each logs its call and prints its given output."""
    log = folder / "calls.log"
    for tool in (
        "kafka-configs.sh",
        "kafka-topics.sh",
        "kafka-acls.sh",
        "kafka-broker-api-versions.sh",
    ):
        (folder / f"{tool}.out").write_text(outputs.get(tool, ""))
        (folder / tool).write_text(
            f'#!/usr/bin/env bash\necho "{tool} $*" >> {log}\ncat {folder / tool}.out\n'
        )
        (folder / tool).chmod(0o755)
    return log


def run_setup(
    kafka_setup, tools: Path, command: str = "setup", env: dict | None = None
) -> list[list[str]]:
    env = env or {k: str(with_defaults(v)) for k, v in kafka_setup.items()}
    subprocess.run(
        ["bash", str(KAFKA_SETUP), command],
        check=True,
        capture_output=True,
        env={**os.environ, **env, "STOCKPATH_KAFKA_BIN": str(tools)},
    )
    return [line.split() for line in (tools / "calls.log").read_text().splitlines()]


def test_the_setup_script_creates_the_listed_users_topics_and_acls(compose, kafka_setup, tmp_path):
    stand_ins(tmp_path, {})
    calls = run_setup(kafka_setup, tmp_path)
    assert all(
        c[c.index("--bootstrap-server") + 1] == "kafka:9094" and "--command-config" in c
        for c in calls
    )
    users = {c[c.index("--entity-name") + 1]: c[-1] for c in calls if c[0] == "kafka-configs.sh"}
    assert users == {
        u: f"SCRAM-SHA-512=[iterations=8192,password={with_defaults(p)}]"
        for u, p in listed(kafka_setup["STOCKPATH_KAFKA_USERS"])
    }
    created = {
        c[c.index("--topic") + 1]: [c[i + 1] for i, w in enumerate(c) if w == "--config"]
        for c in calls
        if c[0] == "kafka-topics.sh" and "--create" in c
    }
    assert list(created) == kafka.all_topics()
    assert created == {t: topic_config(t) for t in kafka.all_topics()}
    granted = set()
    for c in (c for c in calls if c[0] == "kafka-acls.sh"):
        user, operation = (
            c[c.index("--allow-principal") + 1].removeprefix("User:"),
            c[c.index("--operation") + 1],
        )
        pattern = c[c.index("--resource-pattern-type") + 1].lower()
        named = [(c[i][2:], c[i + 1]) for i in range(len(c) - 1) if c[i] in ("--topic", "--group")]
        named += [("cluster", "kafka-cluster")] if "--cluster" in c else []
        granted |= {(user, operation, resource, pattern, name) for resource, name in named}
    assert granted == expected_acls()
    probe = compose["services"]["kafka"]
    env = {
        k: str(with_defaults(v))
        for k, v in probe["environment"].items()
        if k.startswith("STOCKPATH_")
    }
    (tmp_path / "calls.log").unlink()
    calls = run_setup(kafka_setup, tmp_path, "healthcheck", env)
    assert calls[0][:3] == ["kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9094"]


def test_the_setup_script_gives_existing_topics_their_listed_configs(kafka_setup, tmp_path):
    """A volume from before retention was set: the topics exist, with the broker's 7 days."""
    topics = kafka.all_topics()
    configured, one_missing, other_value = topics[0], topics[1], dead_letter_topic(topics[2])
    described = (
        f"Dynamic configs for topic {configured} are:\n"
        f"  retention.ms=-1 sensitive=false synonyms={{DYNAMIC_TOPIC_CONFIG:retention.ms=-1, "
        f"STATIC_BROKER_CONFIG:log.retention.ms=604800000}}\n"
        f"Dynamic configs for topic {other_value} are:\n"
        f"  retention.ms=604800000 sensitive=false synonyms={{DYNAMIC_TOPIC_CONFIG:retention.ms=604800000}}\n"
        f"Dynamic configs for topic {one_missing} are:\n"
    )
    stand_ins(
        tmp_path, {"kafka-topics.sh": "\n".join(topics) + "\n", "kafka-configs.sh": described}
    )
    calls = run_setup(kafka_setup, tmp_path)
    assert not [c for c in calls if c[0] == "kafka-topics.sh" and "--create" in c]
    assert len([c for c in calls if c[0] == "kafka-configs.sh" and "--describe" in c]) == 1
    altered = {
        c[c.index("--entity-name") + 1]: c[c.index("--add-config") + 1]
        for c in calls
        if c[0] == "kafka-configs.sh" and "topics" in c and "--alter" in c
    }
    assert altered == {t: ",".join(topic_config(t)) for t in topics if t != configured}


def test_the_env_example_lists_every_compose_secret_with_its_default():
    found = set(VARIABLE.findall(COMPOSE.read_text()))
    used = dict(found)
    assert len(used) == len(found), "a variable has two different defaults"
    example = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert example == used
