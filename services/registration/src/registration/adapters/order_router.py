"""A seller's customer returns from the order router's HTTP API (for the seller console), asked as
registration for the signed-in seller only (`adapters.services`): the returns of its lines, and a
return it authorizes for its own shipped lines, under the order router's rules."""

from __future__ import annotations

from urllib.parse import quote

from registration.adapters.services import SellerScopedClient, ServiceUnavailable


class OrderRouterUnavailable(ServiceUnavailable):
    """The order router could not be asked, or did not answer as expected."""


class OrderRouterClient(SellerScopedClient):
    unavailable = OrderRouterUnavailable
    service = "order router"

    async def sellers_orders(
        self, seller_id: str, *, limit: int, offset: int, correlation_id: str | None = None
    ) -> dict:
        """A page of the orders of every channel with lines of this seller's, newest first: status,
        the seller's own lines and the fulfillment orders shipping them (carrier, tracking)."""
        return await self._page(
            "/v1/seller-orders",
            seller_id,
            params={"limit": limit, "offset": offset},
            correlation_id=correlation_id,
        )

    async def returns(
        self, seller_id: str, *, limit: int, offset: int = 0, correlation_id: str | None = None
    ) -> list[dict]:
        """The seller's returns, newest first, each with the seller's own lines only."""
        response = await self._call(
            "GET",
            "/v1/returns",
            seller_id,
            params={"limit": limit, "offset": offset},
            correlation_id=correlation_id,
        )
        if response.status_code != 200:
            raise OrderRouterUnavailable(f"the order router answered {response.status_code}")
        return [r for r in response.json() if isinstance(r, dict)]

    async def authorize_return(
        self, seller_id: str, order_id: str, body: dict, *, correlation_id: str | None = None
    ) -> tuple[int, dict]:
        """Authorize a return of the seller's shipped lines of an order: (status, answer); a
        refusal (4xx: not found, more than shipped) is answered, not raised."""
        response = await self._call(
            "POST",
            f"/v1/orders/{quote(order_id, safe=':')}/returns",
            seller_id,
            json=body,
            correlation_id=correlation_id,
        )
        return response.status_code, response.json()
