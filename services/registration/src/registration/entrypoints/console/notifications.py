"""The console's notifications page: the seller's subscribed endpoints and its recent deliveries
with every attempt, and a button that re-drives the failed ones once the endpoint has recovered.
Subscribing (which shows a secret once) stays with the API (docs/notifications.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registration.domain.commands import RedriveDeliveries
from registration.domain.notifications import DeliveryStatus
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import checked_form, page
from registration.entrypoints.dependencies import UoW
from registration.service_layer import notifications, views

router = APIRouter(include_in_schema=False)


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(request: Request, seller: CurrentSeller, uow: UoW) -> Response:
    subscriptions = await views.subscriptions(uow, seller.seller_id)
    deliveries = await views.deliveries(uow, seller.seller_id, status=None, limit=50)
    return page(
        request,
        "notifications.html",
        seller,
        subscriptions=subscriptions,
        deliveries=deliveries,
        failed=sum(1 for d in deliveries if d.status is DeliveryStatus.FAILED),
    )


@router.post("/notifications/redrive", response_class=HTMLResponse)
async def redrive(request: Request, seller: CurrentSeller, uow: UoW) -> Response:
    await checked_form(request)
    await notifications.redrive_deliveries(RedriveDeliveries(seller.seller_id), uow)
    return RedirectResponse("/console/notifications", status_code=303)
