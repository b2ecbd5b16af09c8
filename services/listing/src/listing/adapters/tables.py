"""The listing service's tables: listings, and the fulfillable stock per FNSKU and FC they show."""

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
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
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
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("fulfillable >= 0", name="availability_fulfillable_not_negative"),
)
