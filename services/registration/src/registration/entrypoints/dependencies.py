"""What routes and pages are given: the unit of work, and the dependencies ``bootstrap.py`` built
(clients of the catalog, inventory, listing and the order router, the FC network, the rules settings decide)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from registration.adapters.catalog import CatalogClient
from registration.adapters.inventory import InventoryClient
from registration.adapters.listing import ListingClient
from registration.adapters.order_router import OrderRouterClient
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from registration.settings import NotificationSettings
from stockpath_network import FulfillmentCenter
from stockpath_runtime.http import correlation_id, dependencies, unit_of_work


@dataclass(frozen=True)
class RegistrationDependencies:
    #: A catalog client for one request (carrying its correlation id), to open with ``async with``.
    catalog: Callable[[str | None], CatalogClient]
    #: Stock levels for the console's inventory page (asked with registration's own credential).
    inventory: InventoryClient
    #: A seller's customer returns for the console's returns page (asked with the same credential).
    order_router: OrderRouterClient
    #: The seller's listings per channel, for the console's listings page (asked the same way).
    listing: ListingClient
    #: The FCs inbound stock may go to, as they are now.
    fulfillment_centers: Callable[[], Iterable[FulfillmentCenter]]
    #: Categories the provider refuses outright.
    restricted_categories: tuple[str, ...]
    #: Which notification endpoints may be subscribed, and how many per seller.
    notifications: NotificationSettings = field(default_factory=NotificationSettings)


UoW = Annotated[RegistrationUnitOfWork, Depends(unit_of_work)]
Deps = Annotated[RegistrationDependencies, Depends(dependencies)]


def catalog_client(request: Request, deps: Deps) -> CatalogClient:
    """The catalog, asked on behalf of this request (its correlation id goes along)."""
    return deps.catalog(correlation_id(request))


Catalog = Annotated[CatalogClient, Depends(catalog_client)]
