"""A request_id is bound to what was asked: the fingerprint tells a retry from a different request."""

from decimal import Decimal

from registration.domain.commands import RegisterItems
from registration.domain.model import Offer
from stockpath_events import Condition


def command(*offers: Offer) -> RegisterItems:
    return RegisterItems("S0000000001", offers, "req-1")


def offer(sku="SKU-1", price="10.00", channels=("storefront",)) -> Offer:
    return Offer("B1", sku, Condition.NEW, Decimal(price), channels)


def test_the_same_items_give_the_same_fingerprint():
    assert (
        command(offer(), offer("SKU-2")).fingerprint()
        == command(offer(), offer("SKU-2")).fingerprint()
    )


def test_any_difference_in_the_items_changes_the_fingerprint():
    base = command(offer()).fingerprint()
    assert command(offer(sku="SKU-2")).fingerprint() != base
    assert command(offer(price="10.01")).fingerprint() != base
    assert command(offer(channels=("storefront", "partner"))).fingerprint() != base
    assert command(offer(), offer("SKU-2")).fingerprint() != base
