"""The marketplace-feed channel's document: a Google Merchant Center product feed (RSS 2.0 with
the ``g:`` namespace), and a validator that checks a feed against the format's requirements.

The feed is rendered from the listings table on each request, so it is always as fresh as the
events the listing service has consumed (no file to go stale). The validator reads the XML
alone — not our listings — so it checks what a marketplace would actually receive.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from listing.domain.model import Listing
from listing.domain.product_feed import (
    AVAILABILITY,
    CONDITIONS,
    MAX_LENGTH,
    REQUIRED,
    product_attributes,
)

G = "http://base.google.com/ns/1.0"
ET.register_namespace("g", G)
_PRICE = re.compile(r"^\d+(\.\d{1,2})? [A-Z]{3}$")
_GTIN = re.compile(r"^(\d{8}|\d{12}|\d{13}|\d{14})$")


def render_feed(listings: list[Listing], *, seller_id: str, shop_url: str) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = f"Stockpath products of seller {seller_id}"
    ET.SubElement(channel, "link").text = shop_url
    ET.SubElement(channel, "description").text = "Products fulfilled by Stockpath"
    for listing in listings:
        item = ET.SubElement(channel, "item")
        link = f"{shop_url.rstrip('/')}/products/{listing.listing_id}"
        for name, value in product_attributes(listing, link=link).items():
            ET.SubElement(item, f"{{{G}}}{name}").text = value
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)


def validate_feed(document: bytes) -> list[str]:
    """Every way `document` breaks the product feed format; empty when a marketplace would accept it."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as e:
        return [f"not well-formed XML: {e}"]
    if root.tag != "rss" or root.get("version") != "2.0":
        return ['the root element must be <rss version="2.0">']
    channel = root.find("channel")
    if channel is None:
        return ["<rss> must contain one <channel>"]
    problems = [
        f"<channel> needs <{tag}>"
        for tag in ("title", "link", "description")
        if channel.find(tag) is None
    ]
    seen_ids: set[str] = set()
    for n, item in enumerate(channel.findall("item"), start=1):
        values = {
            child.tag.removeprefix(f"{{{G}}}"): (child.text or "").strip()
            for child in item
            if child.tag.startswith(f"{{{G}}}")
        }
        where = f"item {n} ({values.get('id', 'no id')})"
        problems += [f"{where}: g:{name} is required" for name in REQUIRED if not values.get(name)]
        for name, limit in MAX_LENGTH.items():
            if len(values.get(name, "")) > limit:
                problems.append(f"{where}: g:{name} is longer than {limit} characters")
        if values.get("availability") and values["availability"] not in AVAILABILITY:
            problems.append(f"{where}: g:availability must be one of {', '.join(AVAILABILITY)}")
        if values.get("condition") and values["condition"] not in CONDITIONS:
            problems.append(f"{where}: g:condition must be one of {', '.join(CONDITIONS)}")
        if values.get("price") and not _PRICE.match(values["price"]):
            problems.append(
                f"{where}: g:price must be an amount and an ISO 4217 currency, e.g. '15.00 USD'"
            )
        for name in ("link", "image_link"):
            if values.get(name) and not values[name].startswith(("http://", "https://")):
                problems.append(f"{where}: g:{name} must be an http(s) URL")
        if (
            not values.get("gtin")
            and not values.get("mpn")
            and values.get("identifier_exists") != "no"
        ):
            problems.append(f"{where}: g:gtin or g:mpn is required (or g:identifier_exists 'no')")
        if values.get("gtin") and not _GTIN.match(values["gtin"]):
            problems.append(f"{where}: g:gtin must be 8, 12, 13 or 14 digits")
        if values.get("id") in seen_ids:
            problems.append(f"{where}: g:id is not unique in the feed")
        seen_ids.add(values.get("id", ""))
    return problems
