"""Configuration of the catalog service (environment prefix ``CATALOG_``)."""

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("catalog")
    service_name = "catalog"

    http_port: int = 8001
    #: The most results one search page returns.
    max_page_size: int = 100
