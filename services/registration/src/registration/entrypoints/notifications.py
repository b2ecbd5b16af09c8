"""Seller notifications over HTTP: a seller subscribes its endpoints, rotates their secrets, reads
its deliveries with every attempt and re-drives the failed ones (docs/notifications.md).

Every route acts for the seller whose credential came with the request (`CurrentSeller`); another
seller's subscription or delivery answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from registration.domain.commands import (
    RedriveDeliveries,
    RotateSubscriptionSecret,
    SubscribeEndpoint,
    Unsubscribe,
)
from registration.domain.notifications import (
    Delivery,
    DeliveryNotFound,
    DeliveryStatus,
    DestinationRefused,
    Kind,
    Subscription,
    SubscriptionNotFound,
    TooManySubscriptions,
)
from registration.entrypoints.auth import BEARER, CurrentSeller
from registration.entrypoints.dependencies import Deps, UoW
from registration.entrypoints.schemas import HandedOutId
from registration.service_layer import notifications, views
from stockpath_runtime.http import Answer, identifier

ERRORS = {
    DestinationRefused: Answer(422, "destination_refused", ("url", "why")),
    TooManySubscriptions: Answer(409, "too_many_subscriptions", ("limit",)),
    SubscriptionNotFound: Answer(404, "not_found", ("subscription_id",)),
    DeliveryNotFound: Answer(404, "not_found", ("delivery_id",)),
}

router = APIRouter(prefix="/v1", tags=["notifications"], dependencies=[BEARER])

SubscriptionId = Annotated[identifier(32), Path(description="The subscription's id")]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The delivery's id")]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(description="Where deliveries are POSTed: https, on a public address")
    kinds: list[Kind] = Field(min_length=1, max_length=len(Kind))
    #: Below how many fulfillable units at an FC `inventory.low` is sent.
    low_stock_threshold: int = Field(default=0, ge=0, le=1_000_000)
    low_stock_thresholds: dict[HandedOutId, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=dict, max_length=1000, description="Thresholds of single FNSKUs"
    )


class SubscriptionOut(BaseModel):
    subscription_id: str
    url: str
    kinds: list[Kind]
    low_stock_threshold: int
    low_stock_thresholds: dict[str, int]
    created_at: datetime | None

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            subscription_id=s.subscription_id,
            url=s.url,
            kinds=list(s.kinds),
            low_stock_threshold=s.low_stock_threshold,
            low_stock_thresholds=s.low_stock_thresholds,
            created_at=s.created_at,
        )


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signs every delivery; shown only now (and at rotation)")


class SecretOut(BaseModel):
    subscription_id: str
    secret: str


class SubscriptionsOut(BaseModel):
    items: list[SubscriptionOut]


class AttemptOut(BaseModel):
    number: int
    at: datetime
    status_code: int | None
    error: str | None


class DeliveryOut(BaseModel):
    delivery_id: int
    subscription_id: str
    notification_id: str
    kind: Kind
    status: DeliveryStatus
    payload: dict
    attempts: list[AttemptOut]
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(
            delivery_id=d.delivery_id,
            subscription_id=d.subscription_id,
            notification_id=d.notification_id,
            kind=d.kind,
            status=d.status,
            payload=d.payload,
            attempts=[AttemptOut(**vars(a)) for a in d.attempts],
            created_at=d.created_at,
            delivered_at=d.delivered_at,
        )


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]


class Redriven(BaseModel):
    delivery_ids: list[int]


@router.post(
    "/notification-subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    summary="Subscribe an endpoint to kinds of notifications (the secret is shown only now)",
)
async def subscribe(
    body: SubscriptionIn, seller: CurrentSeller, uow: UoW, deps: Deps
) -> SubscriptionCreated:
    command = SubscribeEndpoint(
        seller.seller_id,
        str(body.url),
        tuple(body.kinds),
        body.low_stock_threshold,
        dict(body.low_stock_thresholds),
    )
    subscription, secret = await notifications.subscribe_endpoint(
        command,
        uow,
        allow_local=deps.notifications.allow_local,
        max_subscriptions=deps.notifications.max_subscriptions,
    )
    return SubscriptionCreated(**SubscriptionOut.of(subscription).model_dump(), secret=secret)


@router.get(
    "/notification-subscriptions",
    response_model=SubscriptionsOut,
    summary="The seller's subscriptions (without their secrets)",
)
async def list_subscriptions(seller: CurrentSeller, uow: UoW) -> SubscriptionsOut:
    found = await views.subscriptions(uow, seller.seller_id)
    return SubscriptionsOut(items=[SubscriptionOut.of(s) for s in found])


@router.delete(
    "/notification-subscriptions/{subscription_id}",
    status_code=204,
    summary="Unsubscribe an endpoint (its deliveries go with it)",
)
async def delete_subscription(
    subscription_id: SubscriptionId, seller: CurrentSeller, uow: UoW
) -> Response:
    await notifications.unsubscribe(Unsubscribe(seller.seller_id, subscription_id), uow)
    return Response(status_code=204)


@router.post(
    "/notification-subscriptions/{subscription_id}/secret-rotation",
    response_model=SecretOut,
    summary="Replace the subscription's secret (the new one is shown only now)",
)
async def rotate_secret(
    subscription_id: SubscriptionId, seller: CurrentSeller, uow: UoW
) -> SecretOut:
    command = RotateSubscriptionSecret(seller.seller_id, subscription_id)
    secret = await notifications.rotate_subscription_secret(command, uow)
    return SecretOut(subscription_id=subscription_id, secret=secret)


@router.get(
    "/notification-deliveries",
    response_model=DeliveriesOut,
    summary="The seller's deliveries, newest first, each with every attempt",
)
async def list_deliveries(
    seller: CurrentSeller,
    uow: UoW,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveriesOut:
    found = await views.deliveries(uow, seller.seller_id, status=status, limit=limit)
    return DeliveriesOut(items=[DeliveryOut.of(d) for d in found])


@router.post(
    "/notification-deliveries/redrive",
    response_model=Redriven,
    summary="Send every failed delivery again (once the endpoint has recovered)",
)
async def redrive_all(seller: CurrentSeller, uow: UoW) -> Redriven:
    queued = await notifications.redrive_deliveries(RedriveDeliveries(seller.seller_id), uow)
    return Redriven(delivery_ids=queued)


@router.post(
    "/notification-deliveries/{delivery_id}/redrive",
    response_model=Redriven,
    summary="Send one failed delivery again (a delivery not failed is left as it is)",
)
async def redrive_one(delivery_id: DeliveryId, seller: CurrentSeller, uow: UoW) -> Redriven:
    command = RedriveDeliveries(seller.seller_id, delivery_id)
    return Redriven(delivery_ids=await notifications.redrive_deliveries(command, uow))
