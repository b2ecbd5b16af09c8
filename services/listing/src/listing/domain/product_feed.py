"""A listing as a Google Merchant Center product (the attributes of a product feed item).

Pure mapping and rules, shared by the marketplace-feed channel (which holds a listing that
lacks a required attribute) and the feed renderer (which writes the attributes out).
Reference: https://support.google.com/merchants/answer/7052112 (product data specification).
"""

from __future__ import annotations

from decimal import Decimal

from listing.domain.model import Listing

#: Every item of a feed must carry these; ``gtin`` or ``mpn`` is checked separately (one suffices).
REQUIRED = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
    "condition",
    "brand",
)
AVAILABILITY = ("in_stock", "out_of_stock", "preorder", "backorder")
CONDITIONS = ("new", "refurbished", "used")
MAX_LENGTH = {"id": 50, "title": 150, "description": 5000}
#: Catalog identifiers that are GTINs (UPC-A is GTIN-12, EAN is GTIN-13, ISBN-13 is a GTIN-13).
GTIN_KINDS = ("gtin", "upc", "ean", "isbn")


def google_condition(condition: str) -> str:
    """Our conditions (new, used-good, refurbished...) in Google's three words."""
    if condition == "refurbished":
        return "refurbished"
    return "used" if condition.startswith("used") else "new"


def gtin_of(listing: Listing) -> str | None:
    for kind in GTIN_KINDS:
        if listing.identifiers.get(kind):
            return listing.identifiers[kind]
    return None


def description_of(listing: Listing) -> str:
    """The catalog's description when it has one; otherwise one made of what the catalog knows,
    which Google accepts (a description must exist, it need not be prose)."""
    given = listing.attributes.get("description", "").strip()
    if given:
        return given
    details = ", ".join(
        f"{k}: {v}" for k, v in sorted(listing.attributes.items()) if k not in ("image_url", "mpn")
    )
    made = f"{listing.title} by {listing.brand or 'an unnamed brand'} ({listing.category})"
    return f"{made}. {details}." if details else f"{made}."


def price_text(price: Decimal, currency: str) -> str:
    return f"{price:.2f} {currency}"


def product_attributes(listing: Listing, *, link: str) -> dict[str, str]:
    """The feed item of a listing, attribute name (without the ``g:`` prefix) to text; missing ones absent."""
    attributes = {
        "id": listing.listing_id[: MAX_LENGTH["id"]],
        "title": listing.title.strip(),
        "description": description_of(listing),
        "link": link,
        "availability": "in_stock" if listing.in_stock else "out_of_stock",
        "price": price_text(listing.price, listing.currency),
        "condition": google_condition(listing.condition),
        "item_group_id": listing.fnsku,
    }
    optional = {
        "image_link": listing.attributes.get("image_url", "").strip(),
        "brand": (listing.brand or "").strip(),
        "gtin": gtin_of(listing) or "",
        "mpn": listing.attributes.get("mpn", "").strip(),
    }
    attributes.update({k: v for k, v in optional.items() if v})
    return attributes


def product_issues(listing: Listing) -> list[str]:
    """Why a Merchant Center feed would reject this listing; the listing is held until fixed."""
    issues = []
    if not listing.title.strip():
        issues.append("marketplace-feed: title is required")
    elif len(listing.title.strip()) > MAX_LENGTH["title"]:
        issues.append(f"marketplace-feed: title is longer than {MAX_LENGTH['title']} characters")
    if listing.price <= 0:
        issues.append("marketplace-feed: price must be greater than zero")
    if not listing.attributes.get("image_url", "").strip().startswith(("http://", "https://")):
        issues.append(
            "marketplace-feed: image_link is required (an http(s) image_url attribute in the catalog)"
        )
    if not (listing.brand or "").strip():
        issues.append("marketplace-feed: brand is required")
    if not gtin_of(listing) and not listing.attributes.get("mpn", "").strip():
        issues.append("marketplace-feed: a GTIN (UPC, EAN, ISBN) or an mpn attribute is required")
    return issues
