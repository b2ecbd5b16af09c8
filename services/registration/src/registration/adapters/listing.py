"""Reading a seller's listings and stranded stock from the listing service's HTTP API (the seller
console's listings page and the inventory page's Stranded tab), as registration for the
signed-in seller only (`adapters.services`)."""

from __future__ import annotations

from registration.adapters.services import SellerScopedClient, ServiceUnavailable


class ListingUnavailable(ServiceUnavailable):
    """Listing could not be asked, or did not answer as expected."""


class ListingClient(SellerScopedClient):
    unavailable = ListingUnavailable
    service = "listing"

    async def listings(
        self,
        seller_id: str,
        *,
        limit: int,
        offset: int,
        channel: str | None = None,
        status: str | None = None,
        correlation_id: str | None = None,
    ) -> dict:
        """A page of the seller's listings in every channel (each with its status and, when HELD,
        the issues that hold it), filtered by channel and status when given."""
        wanted = {"channel": channel, "status": status}
        return await self._page(
            "/v1/listings",
            seller_id,
            params={"limit": limit, "offset": offset, **{k: v for k, v in wanted.items() if v}},
            correlation_id=correlation_id,
        )

    async def stranded(
        self, seller_id: str, *, limit: int, offset: int, correlation_id: str | None = None
    ) -> dict:
        """A page of the seller's stranded stock: FNSKUs with fulfillable units and no ACTIVE
        listing in any channel, each with its listings (status, issues) saying why."""
        return await self._page(
            "/v1/stranded-inventory",
            seller_id,
            params={"limit": limit, "offset": offset},
            correlation_id=correlation_id,
        )
