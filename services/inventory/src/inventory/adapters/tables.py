"""The inventory's tables. Ledger first: `inventory_ledger` holds every movement with its cause;
`inventory_levels` is the running sum per FNSKU and FC, updated in the same transaction, and its
CHECK constraints make a negative bucket impossible rather than merely unlikely. Quantities are
BIGINT so no sequence of valid receipts can overflow a counter."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

BUCKETS = ("inbound", "fulfillable", "reserved", "unfulfillable", "shipped")

inbound_shipments = sa.Table(
    "inbound_shipments",
    metadata,
    sa.Column("shipment_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    #: The plan's correlation id: receipts and the close of this shipment continue that chain.
    sa.Column("correlation_id", sa.Text, nullable=True),
    #: The InboundShipmentPlanned event; NULL for a shipment known only from its cancellation.
    sa.Column("planned_event_id", sa.Text, nullable=True),
    #: When the seller handed the shipment to a carrier (InboundShipmentShipped): its inbound
    #: units count as "shipped" rather than "working" until the FC starts receiving.
    sa.Column("seller_shipped_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "status IN ('PLANNED', 'RECEIVING', 'CLOSED', 'CANCELLED')", name="inbound_shipments_status"
    ),
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
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("seller_sku", sa.Text, nullable=False),
    sa.Column("quantity_expected", sa.BigInteger, nullable=False),
    sa.Column("quantity_received", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("quantity_damaged", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity_expected > 0", name="inbound_shipment_lines_expected"),
    sa.CheckConstraint("quantity_received >= 0", name="inbound_shipment_lines_received"),
    sa.CheckConstraint("quantity_damaged >= 0", name="inbound_shipment_lines_damaged"),
)

inventory_levels = sa.Table(
    "inventory_levels",
    metadata,
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=True),
    sa.Column("inbound", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("fulfillable", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("reserved", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("unfulfillable", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("shipped", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    *[
        sa.CheckConstraint(f"{bucket} >= 0", name=f"inventory_levels_{bucket}")
        for bucket in BUCKETS
    ],
    sa.Index("inventory_levels_seller", "seller_id", "fnsku"),
)

inventory_ledger = sa.Table(
    "inventory_ledger",
    metadata,
    sa.Column("entry_id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("bucket", sa.Text, nullable=False),
    sa.Column("delta", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("shipment_id", sa.Text, nullable=True),
    #: The cause is either a consumed event or a receipt recorded through the API.
    sa.Column("cause_event_id", sa.Text, nullable=True),
    sa.Column("receipt_id", sa.Text, nullable=True),
    sa.Column("fulfillment_order_id", sa.Text, nullable=True),
    sa.Column("adjustment_id", sa.Text, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        f"bucket IN ({', '.join(repr(b) for b in BUCKETS)})", name="inventory_ledger_bucket"
    ),
    sa.CheckConstraint("delta <> 0", name="inventory_ledger_delta"),
    sa.CheckConstraint(
        "cause_event_id IS NOT NULL OR receipt_id IS NOT NULL", name="inventory_ledger_cause"
    ),
    sa.Index("inventory_ledger_stock", "fnsku", "fulfillment_center_id", "entry_id"),
)

receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("receipt_id", sa.Text, primary_key=True),
    sa.Column(
        "shipment_id", sa.Text, sa.ForeignKey("inbound_shipments.shipment_id"), nullable=False
    ),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    #: A hash of the receipt's content: a receipt id reused for different content is refused.
    sa.Column("fingerprint", sa.Text, nullable=False),
    #: The answer given the first time, returned as is when the same receipt is sent again.
    sa.Column("result", postgresql.JSONB, nullable=True),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("receipts_shipment", "shipment_id", "recorded_at"),
)

receipt_lines = sa.Table(
    "receipt_lines",
    metadata,
    sa.Column(
        "receipt_id",
        sa.Text,
        sa.ForeignKey("receipts.receipt_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("quantity_received", sa.BigInteger, nullable=False),
    sa.Column("quantity_damaged", sa.BigInteger, nullable=False),
    sa.CheckConstraint("quantity_received >= 0", name="receipt_lines_received"),
    sa.CheckConstraint("quantity_damaged >= 0", name="receipt_lines_damaged"),
)

#: Lines of a receipt gathered from its announcements until all of them arrived (a replay into a
#: rebuilt store; see `service_layer.receiving`); emptied when the receipt is recorded, so empty
#: whenever no receipt is half-read.
announced_receipt_lines = sa.Table(
    "announced_receipt_lines",
    metadata,
    sa.Column("receipt_id", sa.Text, primary_key=True),
    sa.Column("line_number", sa.Integer, primary_key=True),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("shipment_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("quantity_received", sa.BigInteger, nullable=False),
    sa.Column("quantity_damaged", sa.BigInteger, nullable=False),
    sa.Column("receipt_recorded_at", sa.DateTime(timezone=True), nullable=True),
)

#: What inventory knows of each fulfillment order from FulfillmentInstructed / FulfillmentCancelled /
#: ShipmentShipped. ``instructed`` is false for an order known only from a shipment confirmation
#: that overtook its instruction (they travel on different topics).
fulfillment_orders = sa.Table(
    "fulfillment_orders",
    metadata,
    sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("instructed", sa.Boolean, nullable=False),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("tracking_number", sa.Text, nullable=True),
    # The shipment confirmation that overtook the instruction (its fee is charged as it).
    sa.Column("shipment_event_id", sa.Text, nullable=True),
    sa.Column("shipment_event_type", sa.Text, nullable=True),
    sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "status IN ('RESERVED', 'CANCELLED', 'SHIPPED')", name="fulfillment_orders_status"
    ),
)

#: Per fulfillment order and FNSKU: units ordered and units actually reserved (less on a shortfall).
fulfillment_order_stock = sa.Table(
    "fulfillment_order_stock",
    metadata,
    sa.Column(
        "fulfillment_order_id",
        sa.Text,
        sa.ForeignKey("fulfillment_orders.fulfillment_order_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("seller_sku", sa.Text, nullable=True),
    sa.Column("quantity_ordered", sa.BigInteger, nullable=False),
    sa.Column("quantity_reserved", sa.BigInteger, nullable=False),
    sa.CheckConstraint(
        "quantity_reserved >= 0 AND quantity_reserved <= quantity_ordered", name="fo_stock_reserved"
    ),
)

#: The fulfillment orders whose FC exception (FulfillmentRejectedByCenter) was applied, and the
#: event that did it: one per order, so a report delivered again changes nothing.
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

adjustments = sa.Table(
    "adjustments",
    metadata,
    sa.Column("adjustment_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("to_fulfillment_center_id", sa.Text, nullable=True),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    #: A hash of the request: the same adjustment_id with other content is refused.
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "kind IN ('found', 'lost', 'damaged', 'transferred')", name="adjustments_kind"
    ),
    sa.CheckConstraint("quantity > 0", name="adjustments_quantity"),
)

discrepancies = sa.Table(
    "discrepancies",
    metadata,
    sa.Column("discrepancy_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("quantity_expected", sa.BigInteger, nullable=True),
    sa.Column("quantity_counted", sa.BigInteger, nullable=True),
    sa.Column("shipment_id", sa.Text, nullable=True),
    sa.Column("fulfillment_order_id", sa.Text, nullable=True),
    sa.Column("receipt_id", sa.Text, nullable=True),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "kind IN ('shortage', 'overage', 'unknown-fnsku', 'reservation-shortfall')",
        name="discrepancies_kind",
    ),
    sa.Index("discrepancies_shipment", "shipment_id"),
    sa.Index("discrepancies_fnsku", "fnsku", "fulfillment_center_id"),
)

#: Customer returns an FC received (ReturnReceiptAccepted), one row per return id: a return reported
#: again under another event id finds its row and moves nothing.
customer_returns = sa.Table(
    "customer_returns",
    metadata,
    sa.Column("return_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    #: [{"fnsku", "quantity", "condition"}] as the FC reported them.
    sa.Column("lines", postgresql.JSONB, nullable=False),
    sa.Column("received_event_id", sa.Text, nullable=False),
    sa.Column(
        "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("customer_returns_order", "order_id"),
)

#: Sellers' removal orders: their units are held here (out of every bucket) while PENDING.
removal_orders = sa.Table(
    "removal_orders",
    metadata,
    sa.Column("removal_order_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("disposition", sa.Text, nullable=False),
    #: [{"fnsku", "seller_sku", "source", "quantity"}]
    sa.Column("lines", postgresql.JSONB, nullable=False),
    sa.Column("ship_to", postgresql.JSONB, nullable=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("carrier", sa.Text, nullable=True),
    sa.Column("tracking_number", sa.Text, nullable=True),
    #: The FC's report that completed it (RemovalShipped / UnitsDisposed).
    sa.Column("completed_event_id", sa.Text, nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint(
        "status IN ('PENDING', 'SHIPPED', 'DISPOSED', 'CANCELLED')", name="removal_orders_status"
    ),
    sa.CheckConstraint("disposition IN ('return', 'dispose')", name="removal_orders_disposition"),
    sa.Index("removal_orders_seller", "seller_id", "created_at"),
)

#: What pricing needs of each registered item (ItemRegistered): its seller, size tier and weight.
billed_items = sa.Table(
    "billed_items",
    metadata,
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("size_tier", sa.Text, nullable=True),
    sa.Column("shipping_weight_g", sa.Float, nullable=True),
    #: One unit's volume, from the item's dimensions (what its storage is priced by).
    sa.Column("cubic_feet", sa.Numeric(20, 10), nullable=True),
)

#: The fulfillment fee per unit each MCF order's FNSKU was quoted (FulfillmentInstructed's
#: fulfillment_fee, the order's quote as order-router recorded it).
fee_quotes = sa.Table(
    "fee_quotes",
    metadata,
    sa.Column("order_id", sa.Text, primary_key=True),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("unit_fee", sa.Numeric(12, 2), nullable=False),
    sa.Column("schedule_effective_from", sa.Date, nullable=False),
)

#: The ledger of charges: one row per causing event, kind, reference and FNSKU (`charge_id`).
charges = sa.Table(
    "charges",
    metadata,
    sa.Column("charge_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    #: The fulfillment order, return or removal order the units belong to.
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("fnsku", sa.Text, nullable=False),
    sa.Column("fulfillment_center_id", sa.Text, nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("unit_fee", sa.Numeric(12, 2), nullable=False),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("schedule_effective_from", sa.Date, nullable=False),
    #: The causing event: its id, type and the time it says the units moved (what priced it).
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "kind IN ('fulfillment', 'return_processing', 'removal')", name="charges_kind"
    ),
    sa.CheckConstraint("quantity > 0", name="charges_quantity"),
    sa.Index("charges_seller_time", "seller_id", "occurred_at"),
)

#: The days whose storage snapshot was taken (once each): claimed by the request, and again by the
#: snapshots consumed back, so a replay rebuilds them.
storage_snapshots = sa.Table(
    "storage_snapshots",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
)

#: Each day's storage fee per seller, FNSKU and FC (unrounded), from that day's snapshot.
storage_charges = sa.Table(
    "storage_charges",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),
    sa.Column("fnsku", sa.Text, primary_key=True),
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("units", sa.BigInteger, nullable=False),
    sa.Column("cubic_feet", sa.Numeric(24, 10), nullable=False),
    sa.Column("monthly_rate", sa.Numeric(12, 2), nullable=False),
    sa.Column("amount", sa.Numeric(24, 10), nullable=False),
    sa.Column("schedule_effective_from", sa.Date, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("units > 0", name="storage_charges_units"),
    sa.Index("storage_charges_seller_day", "seller_id", "day"),
)

#: The snapshots of a month's last day charged so far, one row per FC and seller: that day is
#: charged completely once there are as many as the day has snapshots (`snapshots_that_day`).
last_day_snapshots_charged = sa.Table(
    "last_day_snapshots_charged",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
    sa.Column("seller_id", sa.Text, primary_key=True),
)

#: The sellers and months (yyyy-mm) whose StatementReady was announced: once each.
statements_ready = sa.Table(
    "statements_ready",
    metadata,
    sa.Column("seller_id", sa.Text, primary_key=True),
    sa.Column("month", sa.Text, primary_key=True),
)
