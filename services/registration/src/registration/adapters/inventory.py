"""Reading a seller's stock levels from the inventory service's HTTP API (for the seller console).

Inventory's read API is an internal one, filtered by `seller_id`: registration always passes the
signed-in seller's own id, so a seller sees nothing of anyone else's stock.
"""

from __future__ import annotations

import httpx


class InventoryUnavailable(Exception):
    """Inventory could not be asked, or did not answer as expected."""


class InventoryClient:
    def __init__(self, base_url: str, *, timeout_s: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_s
        self._transport = transport

    async def levels(self, seller_id: str, *, limit: int, offset: int) -> dict:
        """A page of ``{items: [...], total}``: quantity buckets per FNSKU and FC, for this seller only."""
        try:
            async with httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout, transport=self._transport) as c:
                response = await c.get("/v1/inventory", params={"seller_id": seller_id, "limit": limit, "offset": offset})
        except httpx.HTTPError as e:
            raise InventoryUnavailable(
                f"the inventory service at {self._base_url} could not be reached ({type(e).__name__})"
            ) from e
        if response.status_code != 200:
            raise InventoryUnavailable(f"the inventory service answered {response.status_code}")
        page = response.json()
        # Defence in depth: whatever inventory answers, only this seller's rows are shown.
        page["items"] = [row for row in page.get("items", []) if row.get("seller_id") == seller_id]
        return page
