"""The identifiers registration hands out (seller ids, FNSKUs, inbound shipment ids, plan ids) and
the formats of the ones sellers and the catalog choose (seller SKUs, catalog item ids).

The ids it hands out are random (not sequential) so one seller cannot guess another's ids, and
drawn from uppercase letters and digits so they print cleanly on labels and read well over the
phone.
"""

from __future__ import annotations

import re
import secrets
import string

ALPHABET = string.ascii_uppercase + string.digits

SELLER_ID = re.compile(r"^S[A-Z0-9]{10}$")
FNSKU = re.compile(r"^X00[A-Z0-9]{7}$")
SHIPMENT_ID = re.compile(r"^FBA[A-Z0-9]{9}$")
REGISTRATION_ID = re.compile(r"^RG[A-Z0-9]{12}$")
PLAN_ID = re.compile(r"^PLN[A-Z0-9]{9}$")

# Formats a seller or the catalog chooses, stricter than the platform's identifiers because they
# are printed on labels, typed in forms and put in addresses (the API and the console both check them).

#: A seller's own SKU (at most 40 characters).
SELLER_SKU_PATTERN = r"^[A-Za-z0-9._-]+$"
#: A catalog item id as the catalog hands them out.
CATALOG_ITEM_ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_seller_id() -> str:
    return "S" + _random(10)


def new_fnsku() -> str:
    """A fulfillment SKU: the barcode on every unit, naming seller, item and condition at once."""
    return "X00" + _random(7)


def new_shipment_id() -> str:
    return "FBA" + _random(9)


def new_plan_id() -> str:
    return "PLN" + _random(9)


def new_registration_id() -> str:
    return "RG" + _random(12)
