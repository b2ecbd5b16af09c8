"""registrations, listings, availability, orders and fulfillment orders; outbox and inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "registrations",
        sa.Column("seller_id", sa.Text, primary_key=True),
        sa.Column("seller_sku", sa.Text, primary_key=True),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("catalog_item_id", sa.Text, nullable=False),
        sa.Column("registration_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _timestamp("updated_at"),
    )
    op.create_index("registrations_fnsku", "registrations", ["fnsku"])
    op.create_table(
        "listings",
        sa.Column("listing_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, nullable=False),
        _timestamp("updated_at"),
    )
    op.create_table(
        "availability",
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
        sa.Column("level_as_of", sa.DateTime(timezone=True), nullable=True),
        _timestamp("updated_at"),
        sa.CheckConstraint("on_hand >= 0", name="availability_on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="availability_reserved_not_negative"),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("shipping_speed", sa.Text, nullable=False),
        sa.Column("fulfillment_policy", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("ship_to", postgresql.JSONB, nullable=False),
        sa.Column("rejection", postgresql.JSONB, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'ROUTED', 'REJECTED')", name="orders_status_known"
        ),
    )
    op.create_table(
        "order_lines",
        sa.Column(
            "order_id",
            sa.Text,
            sa.ForeignKey("orders.order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("line_id", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=True),
        sa.Column("seller_sku", sa.Text, nullable=True),
        sa.Column("listing_id", sa.Text, nullable=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.Column("fnsku", sa.Text, nullable=True),
    )
    op.create_table(
        "fulfillment_orders",
        sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
        sa.Column(
            "order_id",
            sa.Text,
            sa.ForeignKey("orders.order_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _timestamp("created_at"),
    )
    op.create_index("fulfillment_orders_order", "fulfillment_orders", ["order_id"])
    op.create_table(
        "fulfillment_order_lines",
        sa.Column(
            "fulfillment_order_id",
            sa.Text,
            sa.ForeignKey("fulfillment_orders.fulfillment_order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("line_id", sa.Text, primary_key=True),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "fulfillment_order_lines",
        "fulfillment_orders",
        "order_lines",
        "orders",
        "availability",
        "listings",
        "registrations",
    ):
        op.drop_table(table)
