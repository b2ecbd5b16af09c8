"""The listing service's tables: listings, the fulfillable stock per FNSKU and FC they show, the
webhook channel's delivery queue and storefront orders."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

listings = sa.Table(
    "listings",
    metadata,
    sa.Column("listing_id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("catalog_item_id", sa.Text, nullable=False),
    sa.Column("registration_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("brand", sa.Text, nullable=True),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("identifiers", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column("price", sa.Numeric(12, 2), nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("condition", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("issues", postgresql.JSONB, nullable=False, server_default="[]"),
    # Stored, although it follows from sellable_quantity, so buyers can filter on it with an index.
    sa.Column("in_stock", sa.Boolean, nullable=False),
    sa.Column("sellable_quantity", sa.Integer, nullable=False),
    #: The registration's catalog snapshot, so a channel added later publishes the full item.
    sa.Column("item", postgresql.JSONB, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("sellable_quantity >= 0", name="listings_sellable_quantity_not_negative"),
    sa.Index("listings_fnsku", "fnsku"),
    sa.Index("listings_seller", "seller_id", "listing_id"),
    sa.Index("listings_channel", "channel", "listing_id"),
)

#: The latest fulfillable quantity inventory reported per FNSKU and fulfillment center. It is
#: kept even before any listing of the FNSKU exists, so a listing created later starts right.
availability = sa.Table(
    "availability",
    metadata,
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("fulfillable", sa.Integer, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("fulfillable >= 0", name="availability_fulfillable_not_negative"),
)

#: Listing changes waiting to be pushed to the webhook channel's endpoint. Written in the same
#: transaction as the change (like the outbox), drained by `listing.adapters.webhook`.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    #: Sent with every attempt; the receiver applies a key once, so a retry never duplicates.
    sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
    sa.Column("listing_id", sa.Text, nullable=False),
    sa.Column("change", sa.Text, nullable=False),
    sa.Column("payload", postgresql.JSONB, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("abandoned_at", sa.DateTime(timezone=True)),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

#: Orders buyers placed in the storefront, and the status they see as the platform reports it.
buyer_orders = sa.Table(
    "buyer_orders",
    metadata,
    sa.Column("order_id", sa.Text, primary_key=True),
    #: One per rendered checkout form: a second submit of the same form finds the first order.
    sa.Column("checkout_token", sa.Text, nullable=False, unique=True),
    #: The digest of the buyer key of the browser that placed it: the only one that may see it.
    sa.Column("buyer_sha256", sa.Text, nullable=True),
    sa.Column("lines", postgresql.JSONB, nullable=False),
    sa.Column("ship_to", postgresql.JSONB, nullable=False),
    sa.Column("shipping_speed", sa.Text, nullable=False),
    sa.Column("total", sa.Numeric(12, 2), nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("status_detail", sa.Text),
    sa.Column("fulfillment_orders", sa.Integer, nullable=False, server_default="0"),
    sa.Column("shipments", postgresql.JSONB, nullable=False, server_default="[]"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
