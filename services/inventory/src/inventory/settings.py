"""Configuration of the inventory service (environment prefix ``INVENTORY_``)."""

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("inventory")
    service_name = "inventory"

    http_port: int = 8004
