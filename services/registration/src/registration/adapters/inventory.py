"""A seller's stock levels, removal orders and monthly statements from the inventory service's HTTP API (for the
seller console), asked as registration for the signed-in seller only (`adapters.services`)."""

from __future__ import annotations

from registration.adapters.services import SellerScopedClient, ServiceUnavailable


class InventoryUnavailable(ServiceUnavailable):
    """Inventory could not be asked, or did not answer as expected."""


class InventoryClient(SellerScopedClient):
    unavailable = InventoryUnavailable
    service = "inventory"

    async def levels(
        self, seller_id: str, *, limit: int, offset: int, correlation_id: str | None = None
    ) -> dict:
        """A page of ``{items: [...], total}``: quantity buckets per FNSKU and FC, for this seller only."""
        response = await self._send(
            "GET",
            "/v1/inventory",
            params={"seller_id": seller_id, "limit": limit, "offset": offset},
            json=None,
            correlation_id=correlation_id,
        )
        if response.status_code in (401, 403):
            raise InventoryUnavailable(
                f"the inventory service refused registration's credential ({response.status_code}): "
                "set REGISTRATION_SERVICE_TOKEN to a valid service credential"
            )
        if response.status_code != 200:
            raise InventoryUnavailable(f"the inventory service answered {response.status_code}")
        page = response.json()
        # Defence in depth: whatever inventory answers, only this seller's rows are shown.
        page["items"] = [row for row in page.get("items", []) if row.get("seller_id") == seller_id]
        return page

    async def ages(
        self, seller_id: str, *, limit: int, offset: int, correlation_id: str | None = None
    ) -> dict:
        """A page of units on hand per FNSKU and FC in age bands (0-90, 91-180, 181-365, over
        365 days since received), for this seller only."""
        return await self._page(
            "/v1/inventory-age",
            seller_id,
            params={"limit": limit, "offset": offset},
            correlation_id=correlation_id,
        )

    async def removal_orders(
        self, seller_id: str, *, correlation_id: str | None = None
    ) -> list[dict]:
        """The seller's removal orders, newest first (only this seller's, whatever inventory answers)."""
        response = await self._call(
            "GET", "/v1/removal-orders", seller_id, correlation_id=correlation_id
        )
        found = response.json() if response.status_code == 200 else []
        return [o for o in found if isinstance(o, dict) and o.get("seller_id") == seller_id]

    async def create_removal_order(
        self, seller_id: str, body: dict, *, correlation_id: str | None = None
    ) -> tuple[int, dict]:
        """Ask for a removal order for this seller: (status, answer); a refusal (4xx) is answered, not raised."""
        response = await self._call(
            "POST", "/v1/removal-orders", seller_id, json=body, correlation_id=correlation_id
        )
        return response.status_code, response.json()

    async def cancel_removal_order(
        self, seller_id: str, removal_order_id: str, *, correlation_id: str | None = None
    ) -> tuple[int, dict]:
        response = await self._call(
            "POST",
            f"/v1/removal-orders/{removal_order_id}/cancellation",
            seller_id,
            correlation_id=correlation_id,
        )
        return response.status_code, response.json()

    async def statement(
        self, seller_id: str, month: str, *, correlation_id: str | None = None
    ) -> dict:
        """The seller's statement of `month` (yyyy-mm): its lines, storage, totals by fee kind and total."""
        response = await self._call(
            "GET", f"/v1/statements/{month}", seller_id, correlation_id=correlation_id
        )
        found = response.json() if response.status_code == 200 else None
        if not isinstance(found, dict) or found.get("seller_id") != seller_id:
            raise InventoryUnavailable(
                f"the inventory service answered {response.status_code} for a statement"
            )
        return found

    async def statement_csv(
        self, seller_id: str, month: str, *, correlation_id: str | None = None
    ) -> str:
        """The same statement as CSV: a row per charge and per FNSKU stored, then the totals."""
        response = await self._call(
            "GET",
            f"/v1/statements/{month}",
            seller_id,
            params={"format": "csv"},
            correlation_id=correlation_id,
        )
        if response.status_code != 200:
            raise InventoryUnavailable(
                f"the inventory service answered {response.status_code} for a statement"
            )
        return response.text
