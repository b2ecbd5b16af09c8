"""Seller notifications: a seller's subscriptions (HTTP), and the consumed events that queue
deliveries for them. What each event tells which seller is `domain.notification_rules`'; the
queue is drained by `adapters.dispatcher.NotificationDispatcher`.

The consumer's handlers run in the unit of work that claimed their events (a redelivered event is
skipped by the inbox), and a delivery is unique per (subscription, notification), so a replayed
event queues nothing twice either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import structlog

from registration.adapters.notifications import new_subscription_id
from registration.domain import notification_rules as rules
from registration.domain.commands import (
    NoteFulfillmentCancelled,
    NoteFulfillmentOrder,
    NoteInboundDiscrepancy,
    NoteInventoryLevel,
    NoteRemovalOrder,
    NoteRemovalShipped,
    NoteReturnReceived,
    NoteShipmentShipped,
    NoteStatementReady,
    RedriveDeliveries,
    RotateSubscriptionSecret,
    SubscribeEndpoint,
    Unsubscribe,
)
from registration.domain.notifications import (
    DeliveryNotFound,
    Kind,
    Subscription,
    SubscriptionNotFound,
    TooManySubscriptions,
    check_url,
    new_secret,
)
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events import Cause

log = structlog.get_logger("registration")


async def subscribe_endpoint(
    command: SubscribeEndpoint,
    uow: RegistrationUnitOfWork,
    *,
    allow_local: bool,
    max_subscriptions: int,
) -> tuple[Subscription, str]:
    """The new subscription and its secret (shown this once)."""
    check_url(command.url, allow_local=allow_local)
    subscription = Subscription(
        subscription_id=new_subscription_id(),
        seller_id=command.seller_id,
        url=command.url,
        kinds=tuple(dict.fromkeys(command.kinds)),
        low_stock_threshold=command.low_stock_threshold,
        low_stock_thresholds=dict(command.low_stock_thresholds),
    )
    secret = new_secret()
    async with uow:
        # Two requests at once may both pass: the limit bounds a seller's endpoints, not exactly.
        if len(await uow.subscriptions.of_seller(command.seller_id)) >= max_subscriptions:
            raise TooManySubscriptions(max_subscriptions)
        await uow.subscriptions.add(subscription, secret)
        await uow.commit()
    return subscription, secret


async def unsubscribe(command: Unsubscribe, uow: RegistrationUnitOfWork) -> None:
    async with uow:
        if not await uow.subscriptions.remove(command.seller_id, command.subscription_id):
            raise SubscriptionNotFound(command.subscription_id)
        await uow.commit()


async def rotate_subscription_secret(
    command: RotateSubscriptionSecret, uow: RegistrationUnitOfWork
) -> str:
    """A new secret (shown this once); every attempt from now on is signed with it only."""
    secret = new_secret()
    async with uow:
        if not await uow.subscriptions.replace_secret(
            command.seller_id, command.subscription_id, secret
        ):
            raise SubscriptionNotFound(command.subscription_id)
        await uow.commit()
    return secret


async def redrive_deliveries(command: RedriveDeliveries, uow: RegistrationUnitOfWork) -> list[int]:
    """Queue the seller's failed deliveries (or the one named) again; the ids queued."""
    async with uow:
        if command.delivery_id is not None and not await uow.deliveries.exists(
            command.seller_id, command.delivery_id
        ):
            raise DeliveryNotFound(command.delivery_id)
        queued = await uow.deliveries.redrive(command.seller_id, command.delivery_id)
        await uow.commit()
    return queued


# --- consumed events ---------------------------------------------------------------------------


async def note_fulfillment_orders(
    commands: list[NoteFulfillmentOrder], uow: RegistrationUnitOfWork
) -> None:
    """An FC was told to ship lines: their sellers hear the order was routed; a shipment of the
    fulfillment order read before this instruction is told now. An order instructed again (under
    another event id) tells nothing twice. A fixed number of statements however many come."""
    first = _first_of(commands, lambda c: c.fulfillment_order_id)
    lines = {fo: rules.lines_by_seller(command) for fo, command in first.items()}
    waiting = await uow.notification_memory.fulfillment_orders_instructed(lines)
    new = [fo for fo in first if fo in waiting]  # in the order they came
    told = [n for fo in new for n in rules.order_routed(first[fo])]
    told += [
        n
        for fo in new
        if (kept := waiting[fo]) is not None
        for n in rules.order_shipped(_restored(NoteShipmentShipped, kept), lines[fo])
    ]
    await uow.deliveries.enqueue_all(told)


async def note_shipments_shipped(
    commands: list[NoteShipmentShipped], uow: RegistrationUnitOfWork
) -> None:
    """The FC shipped a fulfillment order: the sellers of its lines hear of it (once its
    instruction, which names them, has been read), once however often the FC reports it."""
    first = _first_of(commands, lambda c: c.fulfillment_order_id)
    lines = await uow.notification_memory.fulfillment_orders_shipped(
        {fo: _kept(command) for fo, command in first.items()}
    )
    await uow.deliveries.enqueue_all(
        [
            n
            for fo, command in first.items()
            if (seller_lines := lines.get(fo)) is not None
            for n in rules.order_shipped(command, seller_lines)
        ]
    )


Keyed = TypeVar("Keyed")


def _first_of(commands: list[Keyed], key: Callable[[Keyed], str]) -> dict[str, Keyed]:
    """The first command of each thing in a run, in the order they came (the rest restate it)."""
    first: dict[str, Keyed] = {}
    for command in commands:
        first.setdefault(key(command), command)
    return first


def _kept(command: NoteShipmentShipped | NoteRemovalShipped) -> dict:
    """A shipment read before what names its seller, as it waits in the memory (JSON)."""
    return {
        **{
            f.name: getattr(command, f.name)
            for f in dataclasses.fields(command)
            if f.name not in ("cause", "shipped_at")
        },
        "shipped_at": command.shipped_at.isoformat(),
        "cause": [command.cause.id, command.cause.correlation_id],
    }


Shipped = TypeVar("Shipped", NoteShipmentShipped, NoteRemovalShipped)


def _restored(kind: type[Shipped], kept: dict) -> Shipped:
    return kind(
        **{
            **kept,
            "shipped_at": datetime.fromisoformat(kept["shipped_at"]),
            "cause": Cause(*kept["cause"]),
        }
    )


async def note_returns_received(
    commands: list[NoteReturnReceived], uow: RegistrationUnitOfWork
) -> None:
    """Units came back to an FC: each FNSKU's seller hears of its own units."""
    fnskus = sorted({line.fnsku for command in commands for line in command.lines})
    seller_of = await uow.registrations.sellers_of(fnskus)
    await uow.deliveries.enqueue_all(
        [n for command in commands for n in rules.return_received(command, seller_of)]
    )


async def note_inventory_levels(
    commands: list[NoteInventoryLevel], uow: RegistrationUnitOfWork
) -> None:
    """Levels changed: a subscription hears when one falls below its threshold. Levels of sellers
    without such a subscription cost one query per run and are not kept."""
    listening: dict[str, list[Subscription]] = {}
    for subscription in await uow.subscriptions.hearing(
        {c.seller_id for c in commands}, Kind.INVENTORY_LOW
    ):
        listening.setdefault(subscription.seller_id, []).append(subscription)
    told = []
    for command in commands:
        if command.seller_id not in listening:
            continue
        previous = await uow.notification_memory.swap_level(
            command.fulfillment_center_id, command.fnsku, command.fulfillable
        )
        for subscription in listening[command.seller_id]:
            notification = rules.low_stock(command, subscription, previous)
            if notification is not None:
                told.append(notification)
    await uow.deliveries.enqueue_all(told)


async def note_fulfillment_cancellations(
    commands: list[NoteFulfillmentCancelled], uow: RegistrationUnitOfWork
) -> None:
    """An FC is told to stop a fulfillment order: the sellers of its lines hear of it."""
    lines = await uow.notification_memory.lines_of(c.fulfillment_order_id for c in commands)
    await uow.deliveries.enqueue_all(
        [
            n
            for command in commands
            for n in rules.order_cancelled(command, lines.get(command.fulfillment_order_id, {}))
        ]
    )


async def note_inbound_discrepancies(
    commands: list[NoteInboundDiscrepancy], uow: RegistrationUnitOfWork
) -> None:
    """The FC found an inbound shipment short, over, or holding an FNSKU it never planned."""
    await uow.deliveries.enqueue_all(
        [n for command in commands if (n := rules.inbound_discrepancy(command)) is not None]
    )


async def note_removal_orders(
    commands: list[NoteRemovalOrder], uow: RegistrationUnitOfWork
) -> None:
    """Remember whose each removal order is; one whose shipment was read first is told now."""
    first = _first_of(commands, lambda c: c.removal_order_id)
    orders = {ro: rules.removal_order(command) for ro, command in first.items()}
    waiting = await uow.notification_memory.removal_orders_created(orders)
    await uow.deliveries.enqueue_all(
        [
            rules.removal_shipped(_restored(NoteRemovalShipped, kept), order)
            for ro, order in orders.items()
            if (kept := waiting.get(ro)) is not None
        ]
    )


async def note_removals_shipped(
    commands: list[NoteRemovalShipped], uow: RegistrationUnitOfWork
) -> None:
    """A removal order left the FC: its seller hears of it (once its creation has been read),
    once however often the FC reports it."""
    first = _first_of(commands, lambda c: c.removal_order_id)
    orders = await uow.notification_memory.removal_orders_shipped(
        {ro: _kept(command) for ro, command in first.items()}
    )
    await uow.deliveries.enqueue_all(
        [
            rules.removal_shipped(command, order)
            for ro, command in first.items()
            if (order := orders.get(ro)) is not None
        ]
    )


async def note_statements_ready(
    commands: list[NoteStatementReady], uow: RegistrationUnitOfWork
) -> None:
    """A seller's month is final: it hears its statement is ready."""
    await uow.deliveries.enqueue_all([rules.statement_ready(command) for command in commands])


async def forget_old_orders(uow: RegistrationUnitOfWork, *, days: int) -> int:
    """The worker's clock: forget the fulfillment and removal orders remembered more than `days`
    ago (their shipments and cancellations came long since); how many were forgotten."""
    async with uow:
        forgotten = await uow.notification_memory.forget_older_than(days)
        await uow.commit()
    if forgotten:
        log.info("old orders forgotten by the notifications' memory", orders=forgotten, days=days)
    return forgotten
