"""How the runtime finds and wires the registration service."""

from pathlib import Path

from registration.app import create_api
from registration.entrypoints.events import subscriptions
from registration.settings import Settings
from stockpath_runtime.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="registration",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    subscriptions=subscriptions,
    order=2,
)
