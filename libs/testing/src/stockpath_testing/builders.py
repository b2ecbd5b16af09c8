"""Events as the services that own them would publish them, for whole-system tests that play one
service's part on its topic (registration registering an item, listing listing it)."""

from __future__ import annotations

from stockpath_events import CatalogItemSnapshot, Envelope, new_event
from stockpath_events.types.listing import ListingPublished


def listing_published(
    *,
    seller_id: str,
    seller_sku: str,
    fnsku: str,
    channel: str = "storefront",
    title: str = "Test item",
    price: str = "9.99",
) -> Envelope[ListingPublished]:
    """The listing service's announcement that the item is ACTIVE in `channel` (orders of that
    channel may then name it)."""
    return new_event(
        ListingPublished(
            listing_id=f"L-{fnsku}-{channel}",
            channel=channel,
            seller_id=seller_id,
            seller_sku=seller_sku,
            fnsku=fnsku,
            title=title,
            price=price,
            condition="new",
            item=CatalogItemSnapshot(
                catalog_item_id=f"CI-{fnsku}", title=title, category="Kitchen"
            ),
        ),
        source="/services/listing",
    )
