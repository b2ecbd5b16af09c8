"""Configuration shared by every service; each service subclasses `ServiceSettings` once.

Broker settings are platform-wide (``KAFKA_BOOTSTRAP_SERVERS``); everything else takes the
service's prefix (``CATALOG_DATABASE_URL``, ``ORDER_ROUTER_HTTP_PORT``...).
"""

from __future__ import annotations

from typing import ClassVar, Literal, Unpack

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_") + "_"


def default_database_url(service: str) -> str:
    return f"{LOCAL_POSTGRES}/stockpath_{service.replace('-', '_')}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    service_name: ClassVar[str] = ""

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    topic_partitions: int = Field(
        default=6, ge=1, validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS")
    )
    topic_replication: int = Field(
        default=1, ge=1, validation_alias=AliasChoices("KAFKA_TOPIC_REPLICATION")
    )
    #: Short group timeouts let a worker join in seconds; production may raise them.
    consumer_session_timeout_s: float = Field(
        default=10.0, validation_alias=AliasChoices("KAFKA_CONSUMER_SESSION_TIMEOUT_S")
    )
    consumer_heartbeat_interval_s: float = Field(
        default=1.0, validation_alias=AliasChoices("KAFKA_CONSUMER_HEARTBEAT_INTERVAL_S")
    )
    consumer_rebalance_timeout_s: float = Field(
        default=10.0, validation_alias=AliasChoices("KAFKA_CONSUMER_REBALANCE_TIMEOUT_S")
    )
    #: How every Kafka client of the process authenticates (`stockpath_runtime.kafka.client_options`):
    #: PLAINTEXT for the local broker; docker-compose's Kafka takes SASL_PLAINTEXT with SCRAM-SHA-512
    #: and one user per service, a managed cluster SASL_SSL (the system's CA certificates).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512", validation_alias=AliasChoices("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str = Field(
        default="", validation_alias=AliasChoices("KAFKA_SASL_USERNAME")
    )
    kafka_sasl_password: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("KAFKA_SASL_PASSWORD")
    )
    #: How long the broker may hold a fetch when nothing new is there. Tansu does not answer as soon
    #: as records arrive, so the wait bounds each hop's delay there, and every consumer's idle fetches
    #: cost the broker CPU: measured with the whole platform idle, 35 % of a core at 25 ms, 12 % at
    #: 100 ms; a record acknowledged was fetched after 5 ms at the median (10 ms at most) with 25 ms
    #: and 9 ms (50 ms at most) with 100 ms (`scripts/bench_fetch_wait.py`, docs/performance.md).
    #: Apache Kafka answers as soon as records arrive, so there a longer wait only saves requests.
    consumer_fetch_max_wait_ms: int = Field(
        default=100, ge=1, validation_alias=AliasChoices("KAFKA_CONSUMER_FETCH_MAX_WAIT_MS")
    )

    #: OpenTelemetry traces (`stockpath_runtime.tracing`), platform-wide like the broker. Off while no
    #: endpoint is set: then no SDK is set up and nothing is measured per request or message. The
    #: standard ``OTEL_EXPORTER_OTLP_*`` variables are read too, so a collector's usual set-up works.
    tracing_endpoint: str = Field(
        default="",
        validation_alias=AliasChoices("STOCKPATH_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    #: OTLP over HTTP (port 4318) by default; "grpc" (port 4317) needs the ``otlp-grpc`` extra of stockpath-runtime.
    tracing_protocol: Literal["http/protobuf", "grpc"] = Field(
        default="http/protobuf",
        validation_alias=AliasChoices("STOCKPATH_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"),
    )
    #: The share of traces started here (HTTP requests, consumer batches) that are kept; a trace
    #: continued from a caller or an event follows that decision.
    tracing_sample_ratio: float = Field(
        default=1.0, ge=0.0, le=1.0, validation_alias=AliasChoices("STOCKPATH_TRACE_SAMPLE_RATIO")
    )

    database_url: str = ""
    #: Connections a process keeps open to its database (and as many more at a peak).
    database_pool_size: int = Field(
        default=10, ge=1, le=100, validation_alias=AliasChoices("STOCKPATH_DATABASE_POOL_SIZE")
    )
    #: Defaults to ``stockpath-<service>``; tests and blue/green replays use their own.
    consumer_group: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    #: The worker's own health/metrics endpoint; 0 turns it off.
    worker_port: int = 0

    #: This service's own credential (kind "service"), sent when it calls another service's API.
    service_token: str = ""
    #: Signs web sessions and CSRF tokens. Every replica of a service must share it; left empty,
    #: each process makes its own (fine for one process on a developer's machine).
    session_secret: str = Field(
        default="", validation_alias=AliasChoices("STOCKPATH_SESSION_SECRET")
    )
    #: Secure cookies; by default on, except when the service listens on a loopback address.
    session_cookie_secure: bool | None = None

    log_format: Literal["json", "console"] = Field(
        default="json", validation_alias=AliasChoices("STOCKPATH_LOG_FORMAT")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("STOCKPATH_LOG_LEVEL"))

    #: How many times a handler may fail with a non-transient error before its message is dead-lettered.
    max_handler_attempts: int = 3
    #: How far an event's ce_time may be ahead of this clock before it is refused (dead-lettered).
    event_max_clock_skew_s: float = Field(default=120.0, gt=0)
    outbox_batch_size: int = 500
    #: At most this many consumed events are applied in one transaction (a batch is what one fetch
    #: brought, cut to this size).
    consumer_batch_max: int = Field(default=200, ge=1)
    #: The relay is woken by each commit of outbox rows; this is only how long it waits at most.
    outbox_idle_interval_s: float = 1.0
    #: Published outbox rows are kept this long (for inspection), then deleted; 0 keeps them forever.
    outbox_retention_h: float = Field(default=24.0, ge=0)

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url(self.service_name))
        if not self.consumer_group:
            object.__setattr__(self, "consumer_group", f"stockpath-{self.service_name}")

    @property
    def source(self) -> str:
        return f"/services/{self.service_name}"


def settings_config(service: str, **extra: Unpack[SettingsConfigDict]) -> SettingsConfigDict:
    """The model_config of a service's Settings class."""
    config = SettingsConfigDict(
        env_prefix=env_prefix(service), env_nested_delimiter="__", extra="ignore"
    )
    config.update(extra)
    return config
