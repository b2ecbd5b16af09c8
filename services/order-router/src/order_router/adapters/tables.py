"""The order router's tables.

- registrations, listings: what other services told us, enough to resolve an order line to an FNSKU;
- availability: per FNSKU and FC, `on_hand` (fulfillable units, as inventory last reported) and
  `reserved` (units this service allocated to orders and that have not shipped yet). Orders lock
  these rows, so allocation is serialised per FNSKU by the database;
- orders, order_lines, fulfillment_orders, fulfillment_order_lines: each order's outcome.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),
    sa.Column("seller_sku", sa.Text, primary_key=True),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("catalog_item_id", sa.Text, nullable=False),
    sa.Column("registration_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("registrations_fnsku", "fnsku"),
)

listings = sa.Table(
    "listings",
    metadata,
    sa.Column("listing_id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

availability = sa.Table(
    "availability",
    metadata,
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    #: The time of the inventory event `on_hand` came from; an older level never overwrites a newer one.
    sa.Column("level_as_of", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("on_hand >= 0", name="availability_on_hand_not_negative"),
    sa.CheckConstraint("reserved >= 0", name="availability_reserved_not_negative"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("shipping_speed", sa.Text, nullable=False),
    sa.Column("fulfillment_policy", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("ship_to", postgresql.JSONB, nullable=False),
    #: {"reason_code", "lines": [{"line_id", "reason_code", "reason"}]} once the order is rejected.
    sa.Column("rejection", postgresql.JSONB, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("status IN ('PENDING', 'ROUTED', 'REJECTED')", name="orders_status_known"),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("order_id", sa.Text, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True),
    #: Position in the order: line ids come from outside and are not trusted to be unique.
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("line_id", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=True),
    sa.Column("seller_sku", sa.Text, nullable=True),
    sa.Column("listing_id", sa.Text, nullable=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
    #: The FNSKU the line resolved to, set when the order is routed.
    sa.Column("fnsku", sa.Text, nullable=True),
)

fulfillment_orders = sa.Table(
    "fulfillment_orders",
    metadata,
    sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("fulfillment_orders_order", "order_id"),
)

fulfillment_order_lines = sa.Table(
    "fulfillment_order_lines",
    metadata,
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
