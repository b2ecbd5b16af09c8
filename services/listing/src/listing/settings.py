"""Configuration of the listing service (environment prefix ``LISTING_``)."""

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("listing")
    service_name = "listing"

    http_port: int = 8003
    #: The most listings one page of ``GET /v1/listings`` returns.
    max_page_size: int = 100
