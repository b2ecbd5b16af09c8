"""Configuration of the registration service (environment prefix ``REGISTRATION_``)."""

from pydantic import AliasChoices, BaseModel, Field

from stockpath_runtime.settings import ServiceSettings, settings_config


class NotificationSettings(BaseModel):
    """Seller notifications' delivery (``REGISTRATION_NOTIFICATIONS__MAX_ATTEMPTS`` etc.)."""

    #: Dev and tests only: endpoints on loopback, private or link-local addresses are allowed, and
    #: plain http to a loopback host. Off, a destination must be https on a public address.
    allow_local: bool = False
    timeout_s: float = Field(default=5.0, gt=0)
    #: Attempts before a delivery is failed (kept, shown, re-drivable by its seller).
    max_attempts: int = Field(default=8, ge=1)
    #: The wait after the first failed attempt, doubled after each next one, up to the maximum.
    initial_backoff_s: float = Field(default=30.0, gt=0)
    max_backoff_s: float = Field(default=3600.0, gt=0)
    poll_interval_s: float = Field(default=1.0, gt=0)
    #: Subscriptions one seller may have.
    max_subscriptions: int = Field(default=10, ge=1)
    #: Days the worker remembers a fulfillment or removal order's sellers and lines (to tell them
    #: of its shipment or cancellation); older orders are forgotten.
    memory_days: int = Field(default=90, ge=1)
    #: How often the worker forgets them (seconds; 0: never).
    memory_prune_interval_s: float = Field(default=3600.0, ge=0)


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
    #: The listing service's base URL (the seller console shows listings and stranded stock from
    #: it). `stockpath up` exports ``LISTING_URL`` for every service.
    listing_url: str = Field(
        default="http://127.0.0.1:8003",
        validation_alias=AliasChoices("REGISTRATION_LISTING_URL", "LISTING_URL"),
    )
    #: The order router's base URL (the seller console shows the seller's orders, and lists and
    #: authorizes customer returns, there).
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
    notifications: NotificationSettings = NotificationSettings()
