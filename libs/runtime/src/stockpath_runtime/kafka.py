"""aiokafka clients configured the one way Stockpath uses them.

acks=all and no idempotent producer or transactions: the local broker (Tansu) lacks them, and
the outbox + inbox already make delivery effectively-once without them.

Every client authenticates the same way (`client_options`): as ``KAFKA_SECURITY_PROTOCOL``,
``KAFKA_SASL_MECHANISM``, ``KAFKA_SASL_USERNAME`` and ``KAFKA_SASL_PASSWORD`` say, plaintext when
they say nothing (the local broker). docker-compose's Kafka gives each service its own SCRAM user,
allowed only the topics the registry says it publishes and consumes (deploy/README.md).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pydantic import AliasChoices, TypeAdapter

from stockpath_events import REGISTRY, dead_letter_topic
from stockpath_runtime.settings import ServiceSettings

#: The settings `client_options` reads (their environment variables).
SECURITY_FIELDS = (
    "kafka_security_protocol",
    "kafka_sasl_mechanism",
    "kafka_sasl_username",
    "kafka_sasl_password",
)


def security_settings() -> ServiceSettings:
    """The Kafka security settings of this process's environment, and only those (a tool that is
    no service reads no service's variables)."""
    values = {}
    for name in SECURITY_FIELDS:
        field = ServiceSettings.model_fields[name]
        alias = field.validation_alias
        if not isinstance(alias, AliasChoices) or field.annotation is None:
            raise TypeError(f"ServiceSettings.{name} must name its variables with AliasChoices")
        for variable in alias.choices:
            if isinstance(variable, str) and variable in os.environ:
                values[name] = TypeAdapter(field.annotation).validate_python(os.environ[variable])
    return ServiceSettings.model_construct(**values)


def client_options(settings: ServiceSettings | None = None) -> dict[str, Any]:
    """How an aiokafka client (producer, consumer, admin) authenticates, from `settings` or else
    from the environment; nothing for PLAINTEXT."""
    settings = settings or security_settings()
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    username, password = (
        settings.kafka_sasl_username,
        settings.kafka_sasl_password.get_secret_value(),
    )
    if not username or not password:
        raise ValueError(
            f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
        )
    options: dict[str, Any] = dict(
        security_protocol=protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_plain_username=username,
        sasl_plain_password=password,
    )
    if protocol == "SASL_SSL":
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context()  # the system's CA certificates
    return options


def faust_credentials(settings: ServiceSettings | None = None):
    """The same, as faust's ``broker_credentials`` (None for PLAINTEXT)."""
    options = client_options(settings)
    if not options:
        return None
    import faust

    return faust.SASLCredentials(
        username=options["sasl_plain_username"],
        password=options["sasl_plain_password"],
        mechanism=options["sasl_mechanism"],
        ssl_context=options.get("ssl_context"),
    )


def producer(bootstrap_servers: str, **overrides) -> AIOKafkaProducer:
    options = dict(
        **client_options(),
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


#: Event topics are the platform's log (replay rebuilds stores from them): kept for ever. Dead
#: letters are kept 30 days (an operator re-drives or discards them well before).
EVENT_TOPIC_CONFIG = {"retention.ms": "-1"}
DEAD_LETTER_TOPIC_CONFIG = {"retention.ms": str(30 * 24 * 3600 * 1000)}


def topic_config(topic: str) -> dict[str, str]:
    """How long a topic keeps its records (the same as docker-compose's kafka-setup applies)."""
    dead_letters = {dead_letter_topic(t) for t in REGISTRY.topics()}
    return DEAD_LETTER_TOPIC_CONFIG if topic in dead_letters else EVENT_TOPIC_CONFIG


def all_topics() -> list[str]:
    """Every topic of the contract and its dead-letter topic."""
    topics = REGISTRY.topics()
    return [*topics, *(dead_letter_topic(t) for t in topics)]


async def ensure_topics(
    bootstrap_servers: str,
    *,
    partitions: int,
    replication: int,
    topics: list[str] | None = None,
    timeout_s: float = 30,
) -> list[str]:
    """Create missing topics from the registry; returns the ones created. Safe to run from many processes."""
    wanted = topics or all_topics()
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000, **client_options()
        )
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in wanted if t not in existing]
            created = []
            for topic in missing:
                try:
                    await admin.create_topics(
                        [
                            NewTopic(
                                topic, partitions, replication, topic_configs=topic_config(topic)
                            )
                        ]
                    )
                    created.append(topic)
                except TopicAlreadyExistsError:
                    pass
            return created
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
