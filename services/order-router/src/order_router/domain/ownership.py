"""Whose an order is: who may place it over HTTP (and under which id), read it and cancel it, and
which orders arriving on `orders` may be recorded at all. Pure rules; the caller says who asks.

- A sales channel orders in its own channel only; its orders placed over HTTP get ids in its
  namespace, `<channel>:<order_id>`, and it reads and cancels only orders of its channel (by
  either form of the id).
- A seller orders only its own SKUs, in channel `mcf` (multi-channel fulfillment), under
  `mcf:<seller_id>:<order_id>`; it reads and cancels those orders.
- The operator places for any channel under the id it gives, and reads and cancels everything.

An id of the form `<name>:<rest>` belongs to channel `<name>`: no other channel's order may take
it, so nobody can claim, in advance or afterwards, the id another channel's order has or will get.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from order_router.domain.model import MCF, LineFailure, Order, OrderIdInUse, ReasonCode

#: The `ce_source` of what order-router's HTTP ingress publishes (after checking the caller).
INGRESS = "/services/order-router"
#: The storefront's checkout (the listing service) places and cancels orders of its buyers.
STOREFRONT = "/services/listing"
CHANNEL_SOURCE = "/channels/"


class PartyKind(StrEnum):
    CHANNEL = "channel"
    SELLER = "seller"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Party:
    """Who asks over HTTP: a channel (by name), a seller (by id) or an operator."""

    kind: PartyKind
    name: str


class PlacementRefused(Exception):
    """The caller may not place this order (another channel's, another seller's SKUs)."""


class InvalidPlacement(Exception):
    """The order cannot be placed as it is (no channel named, an mcf order not one seller's SKUs)."""


def placement(party: Party, order: Order) -> Order:
    """The order as `party` may place it over HTTP: in its channel, under an id in its namespace.

    `order.channel` is the channel the request named ("" when it named none): a channel's own by
    default, `mcf` for a seller; the operator must name one."""
    named = order.channel or None
    if party.kind is PartyKind.CHANNEL:
        if party.name == MCF:
            raise PlacementRefused(
                "orders of channel mcf are placed by sellers, not by a channel credential"
            )
        if named not in (None, party.name):
            raise PlacementRefused(f"channel {party.name} may not place orders for channel {named}")
        channel, namespace = party.name, f"{party.name}:"
    elif party.kind is PartyKind.SELLER:
        if named not in (None, MCF):
            raise PlacementRefused(
                f"a seller places orders in channel {MCF} (multi-channel fulfillment), not {named}"
            )
        foreign = [
            line.line_id for line in order.lines if line.seller_id and line.seller_id != party.name
        ]
        if foreign:
            raise PlacementRefused(
                f"seller {party.name} orders only its own SKUs: line(s) {', '.join(foreign)} name another seller's"
            )
        channel, namespace = MCF, f"{MCF}:{party.name}:"
    else:
        if named is None:
            raise InvalidPlacement("an operator names the order's channel")
        channel, namespace = named, ""
    if channel == MCF:
        namespace = f"{MCF}:{_mcf_seller(order)}:"
    order_id = (
        order.order_id if order.order_id.startswith(namespace) else namespace + order.order_id
    )
    placed = replace(order, channel=channel, order_id=order_id)
    owner = namespace_owner(order_id)
    if owner is not None and owner != channel:
        raise OrderIdInUse(order_id, f"is in channel {owner}'s namespace")
    return placed


def _mcf_seller(order: Order) -> str:
    sellers = {line.seller_id for line in order.lines if line.seller_id}
    if len(sellers) != 1 or any(
        not line.seller_id or not line.seller_sku or line.listing_id for line in order.lines
    ):
        raise InvalidPlacement(
            f"an order of channel {MCF} names one seller's SKUs: seller_id and seller_sku on every line, no listing_id"
        )
    (seller,) = sellers
    return seller


def namespace_owner(order_id: str) -> str | None:
    """The channel whose namespace an id `<channel>:<rest>` is in; None for an id without one."""
    name, colon, _ = order_id.partition(":")
    return name if colon else None


def ids_to_try(party: Party, order_id: str) -> list[str]:
    """The ids `party` may mean by `order_id`: its namespaced form first, then as given."""
    namespace = {PartyKind.CHANNEL: f"{party.name}:", PartyKind.SELLER: f"{MCF}:{party.name}:"}.get(
        party.kind
    )
    if namespace is None or order_id.startswith(namespace):
        return [order_id]
    return [namespace + order_id, order_id]


def owns(party: Party, order: Order) -> bool:
    """Whether `party` may read and cancel `order`."""
    if party.kind is PartyKind.CHANNEL:
        return order.channel == party.name != MCF
    if party.kind is PartyKind.SELLER:
        return (
            order.channel == MCF
            and order.order_id.startswith(f"{MCF}:{party.name}:")
            and all(line.seller_id == party.name for line in order.lines)
        )
    return True


def admission(order: Order, source: str) -> tuple[LineFailure, ...]:
    """Why an order arriving on `orders` from `source` is refused before it is even recorded (it
    must not take its id from the order it collides with); () when it may be routed."""
    owner = namespace_owner(order.order_id)
    if owner is not None and owner != order.channel:
        return _every_line(
            order,
            ReasonCode.ORDER_ID_IN_USE,
            f"order id {order.order_id} is in channel {owner}'s namespace",
        )
    if order.channel == MCF and source != INGRESS:
        return _every_line(
            order,
            ReasonCode.NOT_LISTED_IN_CHANNEL,
            f"orders of channel {MCF} come from a seller through the order router's HTTP ingress, not from {source}",
        )
    return ()


def taken_by_another_channel(order: Order, recorded: Order) -> tuple[LineFailure, ...]:
    """An order whose id is recorded for another channel's order is refused, never taken for a
    redelivery of it; () when both are of one channel."""
    if recorded.channel == order.channel:
        return ()
    return _every_line(
        order, ReasonCode.ORDER_ID_IN_USE, f"order id {order.order_id} is another channel's order"
    )


def may_cancel(requester: str, order: Order) -> bool:
    """Whether a cancellation published by `requester` (its `ce_source`) may cancel `order`: a
    channel's system only its channel's orders; the HTTP ingress (which checked its caller) and
    the storefront any order."""
    if requester.startswith(CHANNEL_SOURCE):
        return order.channel == requester.removeprefix(CHANNEL_SOURCE) != MCF
    return requester in (INGRESS, STOREFRONT)


def _every_line(order: Order, code: ReasonCode, reason: str) -> tuple[LineFailure, ...]:
    return tuple(LineFailure(line.line_id, code, reason) for line in order.lines)
