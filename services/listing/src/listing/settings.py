"""Configuration of the listing service (environment prefix ``LISTING_``)."""

from pydantic import BaseModel, Field

from stockpath_runtime.settings import ServiceSettings, settings_config


class WebhookSettings(BaseModel):
    """The webhook channel (``LISTING_WEBHOOK__URL`` etc.). Without a URL its listings are held."""

    url: str = ""
    timeout_s: float = Field(default=5.0, gt=0)
    #: Attempts before a delivery is abandoned (and reported as such); later changes then go out.
    max_attempts: int = Field(default=10, ge=1)
    initial_backoff_s: float = Field(default=0.5, gt=0)
    max_backoff_s: float = Field(default=60.0, gt=0)
    poll_interval_s: float = Field(default=0.5, gt=0)


class Settings(ServiceSettings):
    model_config = settings_config("listing")
    service_name = "listing"

    http_port: int = 8003
    #: The most listings one page of ``GET /v1/listings`` returns.
    max_page_size: int = 100
    #: Where buyers reach this service (links in product feeds); defaults to the HTTP address.
    public_url: str = ""
    webhook: WebhookSettings = WebhookSettings()

    @property
    def shop_url(self) -> str:
        base = self.public_url or f"http://{self.http_host}:{self.http_port}"
        return base.rstrip("/") + "/shop"
