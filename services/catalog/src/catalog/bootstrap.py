"""How the runtime finds and wires the catalog service."""

from pathlib import Path

from catalog.app import create_api
from catalog.settings import Settings
from stockpath_runtime.service import ServiceDefinition

SERVICE = ServiceDefinition(
    name="catalog",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    order=1,
)
