"""Configuration of the order-router service (environment prefix ``ORDER_ROUTER_``)."""

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("order-router")
    service_name = "order-router"

    http_port: int = 8005
