"""Stranded inventory against the real PostgreSQL (``GET /v1/stranded-inventory``): stock no
channel shows — every listing of the FNSKU held back or closed — with the listings saying why;
live stock, and held listings without stock, are not stranded; a seller reads its own only, a
service the seller it names."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from fastapi.testclient import TestClient

from listing.bootstrap import create_api
from listing.settings import Settings
from stockpath_runtime.consumer import Outcome
from stockpath_testing.authorization import SUBJECTS, issue_token

pytestmark = pytest.mark.integration

SELLER, OTHER_SELLER = SUBJECTS["seller"], SUBJECTS["other seller"]
TAG = uuid.uuid4().hex[:6].upper()
#: Held in both its channels (no price), 7 units at SEA1 and 3 at PHX3: stranded.
HELD = f"XA{TAG}1"
#: Live in the storefront with stock: not stranded.
LIVE = f"XB{TAG}2"
#: Deregistered (its listing closed) with 2 units left: stranded.
CLOSED = f"XC{TAG}3"
#: Held, and no stock: nothing is stranded.
EMPTY = f"XD{TAG}4"
#: The other seller's, held with stock.
THEIRS = f"XE{TAG}5"


@pytest.fixture(scope="module")
async def seeded(consumer, item_registered, item_deregistered, inventory_level):
    closing = item_registered(CLOSED, seller_id=SELLER)
    events = [
        item_registered(
            HELD, seller_id=SELLER, channels=("storefront", "marketplace-feed"), price="0"
        ),
        item_registered(LIVE, seller_id=SELLER),
        closing,
        item_registered(EMPTY, seller_id=SELLER, price="0"),
        item_registered(THEIRS, seller_id=OTHER_SELLER, price="0"),
        inventory_level(HELD, "SEA1", 7),
        inventory_level(HELD, "PHX3", 3),
        inventory_level(LIVE, "SEA1", 5),
        inventory_level(CLOSED, "SEA1", 2),
        inventory_level(THEIRS, "SEA1", 4),
        item_deregistered(closing),
    ]
    assert set(await consumer.deliver(*events)) == {Outcome.PROCESSED}


@pytest.fixture(scope="module")
def client(database, seeded):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


def stranded(client, token: str, **params):
    return client.get(
        "/v1/stranded-inventory", headers={"Authorization": f"Bearer {token}"}, params=params
    )


def test_stock_without_an_active_listing_is_stranded_with_its_listings_saying_why(client, tokens):
    page = stranded(client, tokens["seller"]).json()
    assert page["total"] == 2
    held, closed = page["items"]
    assert (held["fnsku"], held["fulfillable"], held["fulfillable_by_center"]) == (
        HELD,
        10,
        {"SEA1": 7, "PHX3": 3},
    )
    assert [(x["channel"], x["status"]) for x in held["listings"]] == [
        ("marketplace-feed", "HELD"),
        ("storefront", "HELD"),
    ]
    assert "storefront: price must be greater than zero" in held["listings"][1]["issues"]
    assert (closed["fnsku"], closed["fulfillable"]) == (CLOSED, 2)
    assert [(x["status"], x["issues"]) for x in closed["listings"]] == [("CLOSED", [])]
    assert [x["fnsku"] for x in stranded(client, tokens["seller"], offset=1).json()["items"]] == [
        CLOSED
    ]
    assert [x["fnsku"] for x in stranded(client, tokens["other seller"]).json()["items"]] == [
        THEIRS
    ]


def test_a_seller_reads_its_own_and_a_service_the_seller_it_names(client, tokens, database):
    assert stranded(client, tokens["seller"], seller_id=OTHER_SELLER).status_code == 404
    service = asyncio.run(issue_token(database, "service", "registration"))
    assert (
        stranded(client, service, seller_id=SELLER).json()
        == stranded(client, tokens["seller"]).json()
    )
    unnamed = stranded(client, service)
    assert unnamed.status_code == 403 and "seller_id" in unnamed.json()["error"]["message"]
    assert stranded(client, tokens["channel"]).status_code == 403
