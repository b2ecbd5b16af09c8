"""Configuration of the registration service (environment prefix ``REGISTRATION_``)."""

from pydantic import AliasChoices, Field

from stockpath_runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    # populate_by_name: tests and tools pass ``catalog_url=`` even though the field has env aliases.
    model_config = settings_config("registration", populate_by_name=True)
    service_name = "registration"

    http_port: int = 8002
    #: The catalog service's base URL. `stockpath up` exports ``CATALOG_URL`` for every service.
    catalog_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias=AliasChoices("REGISTRATION_CATALOG_URL", "CATALOG_URL"),
    )
    #: The inventory service's base URL (the seller console shows stock levels from it).
    #: `stockpath up` exports ``INVENTORY_URL`` for every service.
    inventory_url: str = Field(
        default="http://127.0.0.1:8004",
        validation_alias=AliasChoices("REGISTRATION_INVENTORY_URL", "INVENTORY_URL"),
    )
    #: The order router's base URL (the seller console lists and authorizes customer returns there).
    #: `stockpath up` exports ``ORDER_ROUTER_URL`` for every service.
    order_router_url: str = Field(
        default="http://127.0.0.1:8005",
        validation_alias=AliasChoices("REGISTRATION_ORDER_ROUTER_URL", "ORDER_ROUTER_URL"),
    )
    #: Secure console cookies (HTTPS only): by default on unless the service listens on a loopback
    #: address (the runtime's rule). ``REGISTRATION_CONSOLE_SECURE_COOKIE``, the console's own
    #: setting before the runtime had sessions, still sets it.
    session_cookie_secure: bool | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "REGISTRATION_SESSION_COOKIE_SECURE", "REGISTRATION_CONSOLE_SECURE_COOKIE"
        ),
    )
    #: How long one catalog lookup may take before registration answers 503.
    catalog_timeout_s: float = Field(default=5.0, gt=0)
    #: Catalog lookups in flight at once for one registration request (up to 100 items).
    catalog_concurrency: int = Field(default=8, ge=1, le=64)
    #: Categories the fulfillment provider refuses outright (compared case-insensitively).
    restricted_categories: list[str] = Field(default_factory=lambda: ["Weapons"])
