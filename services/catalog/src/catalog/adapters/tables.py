"""The catalog's tables. Search uses a weighted tsvector (title, brand, category) with a GIN
index for keywords and a trigram index on the title for typo-tolerant matching."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

catalog_items = sa.Table(
    "catalog_items",
    metadata,
    sa.Column("catalog_item_id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("brand", sa.Text, nullable=True),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("identifiers", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column("length_cm", sa.Float, nullable=True),
    sa.Column("width_cm", sa.Float, nullable=True),
    sa.Column("height_cm", sa.Float, nullable=True),
    sa.Column("weight_g", sa.Float, nullable=True),
    sa.Column("hazmat", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column(
        "search",
        postgresql.TSVECTOR,
        sa.Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(brand, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(category, '')), 'C')",
            persisted=True,
        ),
    ),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

#: One row per identifier form (UPC, EAN-13, GTIN-14, ISBN-10/13) for exact lookups.
catalog_identifiers = sa.Table(
    "catalog_identifiers",
    metadata,
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column(
        "catalog_item_id",
        sa.Text,
        sa.ForeignKey("catalog_items.catalog_item_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.Text, nullable=False),
)
