"""Registration's tables: sellers, registrations (and the requests that made them), inbound
shipments. Sellers' credentials are rows of the runtime's `credentials` table, like everyone's.

A seller's SKU and a seller's (catalog item, condition) are unique among *registered* rows
only: a rejected registration is kept for the seller's history but holds no SKU.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

sellers = sa.Table(
    "sellers",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

#: One row per idempotency key, with a fingerprint of the items it was first sent with.
registration_requests = sa.Table(
    "registration_requests",
    metadata,
    sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), primary_key=True),
    sa.Column("request_id", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

registrations = sa.Table(
    "registrations",
    metadata,
    #: Insertion order: the stable order a seller pages through.
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("registration_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), nullable=False),
    sa.Column("request_id", sa.Text, nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("catalog_item_id", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=False),
    sa.Column("condition", sa.Text, nullable=False),
    sa.Column("price", sa.Numeric(12, 2), nullable=False),
    sa.Column("channels", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=True, unique=True),
    sa.Column("size_tier", sa.Text, nullable=True),
    sa.Column("reason_code", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    #: The catalog item as registration read it (null when the catalog did not know the id).
    sa.Column("item", postgresql.JSONB, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("registrations_by_seller", "seller_id", "seq"),
    sa.Index("registrations_by_request", "seller_id", "request_id", "position"),
    sa.Index(
        "registrations_one_item_per_sku",
        "seller_id",
        "seller_sku",
        unique=True,
        postgresql_where=sa.text("status = 'registered'"),
    ),
    sa.Index(
        "registrations_one_sku_per_item",
        "seller_id",
        "catalog_item_id",
        "condition",
        unique=True,
        postgresql_where=sa.text("status = 'registered'"),
    ),
)

inbound_shipments = sa.Table(
    "inbound_shipments",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("shipment_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    #: The FC's address as told to the seller; kept even if the network file changes later.
    sa.Column("ship_to", postgresql.JSONB, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("tracking_number", sa.Text, nullable=True),
    sa.Column("cancel_reason", sa.Text, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
    #: The inbound plan this shipment is part of (a large plan splits across FCs).
    sa.Column("plan_id", sa.Text, nullable=True),
    sa.Index("inbound_shipments_by_seller", "seller_id", "seq"),
    sa.Index("inbound_shipments_by_plan", "seller_id", "plan_id"),
)

inbound_shipment_lines = sa.Table(
    "inbound_shipment_lines",
    metadata,
    sa.Column(
        "shipment_id",
        sa.Text,
        sa.ForeignKey("inbound_shipments.shipment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("line_number", sa.Integer, primary_key=True),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
)

# --- seller notifications ----------------------------------------------------------------------

#: A seller's endpoint and the kinds it hears; the secret signs its deliveries (it must be kept
#: to sign, so it is stored as given, like any HMAC key, and shown only at creation and rotation).
notification_subscriptions = sa.Table(
    "notification_subscriptions",
    metadata,
    sa.Column("subscription_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("kinds", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("low_stock_threshold", sa.Integer, nullable=False, server_default="0"),
    sa.Column("low_stock_thresholds", postgresql.JSONB, nullable=False, server_default="{}"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("notification_subscriptions_by_seller", "seller_id"),
)

#: The outbox of notifications: one row per (subscription, notification), written in the
#: transaction that consumed its event, drained by `NotificationDispatcher`.
notification_deliveries = sa.Table(
    "notification_deliveries",
    metadata,
    sa.Column("delivery_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "subscription_id",
        sa.Text,
        sa.ForeignKey("notification_subscriptions.subscription_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("notification_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("payload", postgresql.JSONB, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    #: Attempts since queued or re-driven: a re-drive starts a new round of retries.
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("subscription_id", "notification_id"),
    sa.Index("notification_deliveries_by_seller", "seller_id", "delivery_id"),
    sa.Index(
        "notification_deliveries_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
)

#: Every attempt of a delivery, as the seller sees it.
notification_attempts = sa.Table(
    "notification_attempts",
    metadata,
    sa.Column(
        "delivery_id",
        sa.BigInteger,
        sa.ForeignKey("notification_deliveries.delivery_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)

#: Whose lines a fulfillment order holds (from FulfillmentInstructed), so its ShipmentShipped,
#: which names only the order, tells the right sellers; a shipment read before its instruction
#: waits here (``shipped``) until the instruction is read.
notified_fulfillment_orders = sa.Table(
    "notified_fulfillment_orders",
    metadata,
    sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
    #: seller id → that seller's lines; null until the instruction is read.
    sa.Column("lines", postgresql.JSONB, nullable=True),
    #: The shipment read before the instruction: its command's fields and event id.
    sa.Column("shipped", postgresql.JSONB, nullable=True),
    #: When it was first remembered; forgotten after notifications.memory_days.
    sa.Column(
        "remembered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("notified_fulfillment_orders_remembered_at", "remembered_at", postgresql_using="brin"),
)

#: The last fulfillable level seen per FC and FNSKU of sellers who hear of low stock.
notified_stock_levels = sa.Table(
    "notified_stock_levels",
    metadata,
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("fulfillable", sa.Integer, nullable=False),
)

#: Whose a removal order is and what it removes (from RemovalOrderCreated), so its RemovalShipped,
#: which names only the order, tells its seller; a shipment read first waits in ``shipped``.
notified_removal_orders = sa.Table(
    "notified_removal_orders",
    metadata,
    sa.Column("removal_order_id", sa.Text, primary_key=True),
    sa.Column("removal_order", postgresql.JSONB, nullable=True),
    sa.Column("shipped", postgresql.JSONB, nullable=True),
    sa.Column(
        "remembered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("notified_removal_orders_remembered_at", "remembered_at", postgresql_using="brin"),
)
