"""The order router's tables.

- registrations, listings: what other services told us, enough to resolve an order line to an FNSKU
  (a live registration) and to know the channels its item is listed in (active listings);
- availability: per FNSKU and FC, `basis` (fulfillable + reserved + shipped, as inventory last
  reported: it moves only when stock arrives or is adjusted, never when an order is reserved or
  shipped) and `reservations_total` (units this service allocated there, less those released by
  cancellations; shipping does not lower it, since shipped units stay in the basis). What new
  orders can get is basis − reservations_total. Orders lock these rows, so allocation is
  serialised per FNSKU and FC by the database;
- orders, order_lines, fulfillment_orders, fulfillment_order_lines: each order's outcome;
- mcf_fees: the fulfillment fee quoted with each multi-channel fulfillment order and charged for it.
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
    #: What fulfilling a unit costs depends on (registration's size tier, the item's weight);
    #: unknown for registrations announced before the router kept them.
    sa.Column("size_tier", sa.Text, nullable=True),
    sa.Column("shipping_weight_g", sa.Float, nullable=True),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
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
    #: active (published) or closed; only an active listing's item may be ordered in its channel.
    sa.Column("status", sa.Text, nullable=False, server_default="active"),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("status IN ('active', 'closed')", name="listings_status_known"),
    sa.Index(
        "listings_active_items",
        "channel",
        "seller_id",
        "seller_sku",
        postgresql_where=sa.text("status = 'active'"),
    ),
)

availability = sa.Table(
    "availability",
    metadata,
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("basis", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("reservations_total", sa.BigInteger, nullable=False, server_default="0"),
    #: The time of the inventory event `basis` came from; an older level never overwrites a newer one.
    sa.Column("level_as_of", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("basis >= 0", name="availability_basis_not_negative"),
    sa.CheckConstraint("reservations_total >= 0", name="availability_reservations_not_negative"),
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
    #: {"reason"} once the order is cancelled.
    sa.Column("cancellation", postgresql.JSONB, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "status IN ('PENDING', 'ROUTED', 'REJECTED', 'BACKORDERED', 'CANCELLED', 'SHIPPED', 'RETURNED')",
        name="orders_status_known",
    ),
    #: A seller's MCF orders (`mcf:<seller_id>:` prefixes): a range of this index, not a scan.
    sa.Index(
        "orders_mcf",
        "order_id",
        postgresql_ops={"order_id": "text_pattern_ops"},
        postgresql_where=sa.text("channel = 'mcf'"),
    ),
)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column(
        "order_id", sa.Text, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True
    ),
    #: Position in the order: line ids come from outside and are not trusted to be unique.
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("line_id", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=True),
    sa.Column("seller_sku", sa.Text, nullable=True),
    sa.Column("listing_id", sa.Text, nullable=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
    #: The FNSKU and seller SKU the line resolved to, set when the order is routed or backordered.
    sa.Column("fnsku", sa.Text, nullable=True),
    sa.Column("resolved_seller_id", sa.Text, nullable=True),
    sa.Column("resolved_seller_sku", sa.Text, nullable=True),
    #: Units waiting for stock (fill-all); routed automatically when inventory reports more.
    sa.Column("quantity_backordered", sa.Integer, nullable=False, server_default="0"),
    #: Units that will never ship (fill-all-available short of stock, or the order cancelled).
    sa.Column("quantity_cancelled", sa.Integer, nullable=False, server_default="0"),
    sa.Index(
        "order_lines_backordered", "fnsku", postgresql_where=sa.text("quantity_backordered > 0")
    ),
    #: A seller's orders (`OrderRepository.of_seller`): by the seller the line resolved to or named.
    sa.Index("order_lines_seller", sa.text("coalesce(resolved_seller_id, seller_id)"), "order_id"),
)

fulfillment_orders = sa.Table(
    "fulfillment_orders",
    metadata,
    sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
    sa.Column(
        "order_id", sa.Text, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    #: INSTRUCTED, CANCELLED, SHIPPED or FAILED (an FC exception: it ships nothing).
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("tracking_number", sa.Text, nullable=True),
    sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
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

#: Customer returns authorized (ReturnAuthorized), each of shipped units of one order to one FC.
order_returns = sa.Table(
    "order_returns",
    metadata,
    sa.Column("return_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    #: [{"line_id", "fnsku", "seller_id", "seller_sku", "quantity"}]
    sa.Column("lines", postgresql.JSONB, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("authorized_by", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    #: AUTHORIZED until the FC reports it (ReturnReceived), then RECEIVED.
    sa.Column("status", sa.Text, nullable=False, server_default="AUTHORIZED"),
    #: [{"fnsku", "quantity", "condition"}] as the FC reported them.
    sa.Column("received", postgresql.JSONB, nullable=True),
    sa.Column("received_event_id", sa.Text, nullable=True),
    sa.CheckConstraint("status IN ('AUTHORIZED', 'RECEIVED')", name="order_returns_status"),
    sa.Index("order_returns_order", "order_id"),
    #: A seller's returns: those whose lines contain one of its (`lines @> '[{"seller_id": …}]'`).
    sa.Index(
        "order_returns_lines",
        "lines",
        postgresql_using="gin",
        postgresql_ops={"lines": "jsonb_path_ops"},
    ),
)

#: The fulfillment orders whose FC exception (FulfillmentRejectedByCenter) was handled, and the
#: event that did it: one per fulfillment order, so a report delivered again re-routes nothing.
fulfillment_exceptions = sa.Table(
    "fulfillment_exceptions",
    metadata,
    sa.Column(
        "fulfillment_order_id",
        sa.Text,
        sa.ForeignKey("fulfillment_orders.fulfillment_order_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("cause_event_id", sa.Text, nullable=False),
)

#: The fulfillment fee quoted to the seller when it placed an MCF order (POST /v1/mcf-orders):
#: what it is charged for the order.
mcf_fees = sa.Table(
    "mcf_fees",
    metadata,
    sa.Column(
        "order_id", sa.Text, sa.ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("currency", sa.Text, nullable=False),
    #: The fee schedule version that priced it.
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("total", sa.Numeric(12, 2), nullable=False),
    #: [{"line_id", "fnsku", "size_tier", "shipping_weight_g", "unit_fee", "quantity", "fee"}]
    sa.Column("lines", postgresql.JSONB, nullable=False),
)
