"""listings, availability per FNSKU and fulfillment center, outbox and inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "listings",
        sa.Column("listing_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("catalog_item_id", sa.Text, nullable=False),
        sa.Column("registration_id", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("brand", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("identifiers", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("condition", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("issues", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("in_stock", sa.Boolean, nullable=False),
        sa.Column("sellable_quantity", sa.Integer, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "sellable_quantity >= 0", name="listings_sellable_quantity_not_negative"
        ),
    )
    op.create_index("listings_fnsku", "listings", ["fnsku"])
    op.create_index("listings_seller", "listings", ["seller_id", "listing_id"])
    op.create_index("listings_channel", "listings", ["channel", "listing_id"])
    op.create_table(
        "availability",
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
        sa.Column("fulfillable", sa.Integer, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("fulfillable >= 0", name="availability_fulfillable_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("availability")
    op.drop_table("listings")
