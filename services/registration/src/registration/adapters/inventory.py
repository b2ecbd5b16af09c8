"""Reading a seller's stock levels from the inventory service's HTTP API (for the seller console).

Registration asks as itself — its own service credential (``REGISTRATION_SERVICE_TOKEN``), which
inventory lets read any seller's stock it names — and always names the signed-in seller, so a
seller sees nothing of anyone else's stock. The request's correlation id goes along.
"""

from __future__ import annotations

import httpx

from stockpath_runtime.http import CORRELATION_HEADER


class InventoryUnavailable(Exception):
    """Inventory could not be asked, or did not answer as expected."""


class InventoryClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        service_token: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_s
        self._transport = transport
        self._authorization = {"Authorization": f"Bearer {service_token}"} if service_token else {}

    async def levels(
        self, seller_id: str, *, limit: int, offset: int, correlation_id: str | None = None
    ) -> dict:
        """A page of ``{items: [...], total}``: quantity buckets per FNSKU and FC, for this seller only."""
        headers = {
            **self._authorization,
            **({CORRELATION_HEADER: correlation_id} if correlation_id else {}),
        }
        try:
            async with httpx.AsyncClient(
                base_url=self._base_url, timeout=self._timeout, transport=self._transport
            ) as c:
                response = await c.get(
                    "/v1/inventory",
                    params={"seller_id": seller_id, "limit": limit, "offset": offset},
                    headers=headers,
                )
        except httpx.HTTPError as e:
            raise InventoryUnavailable(
                f"the inventory service at {self._base_url} could not be reached ({type(e).__name__})"
            ) from e
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

    async def _call(
        self,
        method: str,
        path: str,
        seller_id: str,
        *,
        json: dict | None = None,
        correlation_id: str | None = None,
    ) -> httpx.Response:
        """A removal-order call for this seller; InventoryUnavailable unless inventory answered it (2xx or 4xx)."""
        headers = {
            **self._authorization,
            **({CORRELATION_HEADER: correlation_id} if correlation_id else {}),
        }
        try:
            async with httpx.AsyncClient(
                base_url=self._base_url, timeout=self._timeout, transport=self._transport
            ) as c:
                response = await c.request(
                    method, path, params={"seller_id": seller_id}, json=json, headers=headers
                )
        except httpx.HTTPError as e:
            raise InventoryUnavailable(
                f"the inventory service at {self._base_url} could not be reached ({type(e).__name__})"
            ) from e
        if response.status_code in (401, 403) or response.status_code >= 500:
            raise InventoryUnavailable(f"the inventory service answered {response.status_code}")
        return response

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
