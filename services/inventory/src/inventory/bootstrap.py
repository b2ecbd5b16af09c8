"""How the runtime finds and wires the inventory service: its API, its migrations and what its worker consumes."""

from pathlib import Path

from inventory.app import create_api
from inventory.entrypoints.events import subscriptions
from inventory.settings import Settings
from stockpath_runtime.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="inventory",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    subscriptions=subscriptions,
    # After registration, whose shipment plans it consumes.
    order=4,
)
