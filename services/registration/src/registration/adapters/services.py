"""Calling another service's HTTP API from the seller console, for one seller at a time.

Registration asks as itself — its own service credential (``REGISTRATION_SERVICE_TOKEN``), which
inventory and order-router let act for the seller it names — and always names the signed-in
seller (``seller_id``), so a seller sees and changes nothing of anyone else's. The request's
correlation id goes along.
"""

from __future__ import annotations

import httpx

from stockpath_runtime.http import CORRELATION_HEADER


class ServiceUnavailable(Exception):
    """The service could not be asked, or did not answer as expected."""


class SellerScopedClient:
    """A client of one service's API, acting for the seller each call names."""

    #: What a call raises when the service cannot be asked or answers neither 2xx nor 4xx.
    unavailable: type[ServiceUnavailable] = ServiceUnavailable
    #: The service's name, in messages.
    service = "service"

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

    def _headers(self, correlation_id: str | None) -> dict[str, str]:
        return {
            **self._authorization,
            **({CORRELATION_HEADER: correlation_id} if correlation_id else {}),
        }

    async def _send(
        self, method: str, path: str, *, params: dict, json: dict | None, correlation_id: str | None
    ) -> httpx.Response:
        try:
            async with httpx.AsyncClient(
                base_url=self._base_url, timeout=self._timeout, transport=self._transport
            ) as c:
                return await c.request(
                    method, path, params=params, json=json, headers=self._headers(correlation_id)
                )
        except httpx.HTTPError as e:
            raise self.unavailable(
                f"the {self.service} service at {self._base_url} could not be reached ({type(e).__name__})"
            ) from e

    async def _call(
        self,
        method: str,
        path: str,
        seller_id: str,
        *,
        json: dict | None = None,
        params: dict | None = None,
        correlation_id: str | None = None,
    ) -> httpx.Response:
        """A call for this seller; `unavailable` unless the service answered it (2xx or 4xx)."""
        response = await self._send(
            method,
            path,
            params={**(params or {}), "seller_id": seller_id},
            json=json,
            correlation_id=correlation_id,
        )
        if response.status_code in (401, 403) or response.status_code >= 500:
            raise self.unavailable(f"the {self.service} service answered {response.status_code}")
        return response

    async def _page(
        self, path: str, seller_id: str, *, params: dict, correlation_id: str | None
    ) -> dict:
        """A page ``{items: [...], total}`` of the seller's rows at `path` (only rows whose
        ``seller_id`` is this seller's are kept, whatever the service answers)."""
        response = await self._call(
            "GET", path, seller_id, params=params, correlation_id=correlation_id
        )
        if response.status_code != 200:
            raise self.unavailable(f"the {self.service} service answered {response.status_code}")
        page = response.json()
        page["items"] = [row for row in page.get("items", []) if row.get("seller_id") == seller_id]
        return page
