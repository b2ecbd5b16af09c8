"""Configuration of the inventory service (environment prefix ``INVENTORY_``)."""

from pydantic import Field

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("inventory")
    service_name = "inventory"

    http_port: int = 8004
    #: How often (seconds) the worker takes the storage snapshots of the ended days not taken yet
    #: (the first time one interval after it started); 0 turns it off (the operator's
    #: `POST /v1/storage-snapshots` only).
    storage_snapshot_interval_s: float = Field(default=600, ge=0)
