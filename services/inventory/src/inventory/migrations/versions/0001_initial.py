"""inbound shipments, quantity buckets, the ledger, receipts, outbox and inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "inbound_shipments",
        sa.Column("shipment_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("correlation_id", sa.Text),
        sa.Column("planned_event_id", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "status IN ('PLANNED', 'RECEIVING', 'CLOSED', 'CANCELLED')",
            name="inbound_shipments_status",
        ),
    )
    op.create_table(
        "inbound_shipment_lines",
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
    op.create_table(
        "inventory_levels",
        sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text),
        sa.Column("inbound", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("fulfillable", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reserved", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("unfulfillable", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("inbound >= 0", name="inventory_levels_inbound"),
        sa.CheckConstraint("fulfillable >= 0", name="inventory_levels_fulfillable"),
        sa.CheckConstraint("reserved >= 0", name="inventory_levels_reserved"),
        sa.CheckConstraint("unfulfillable >= 0", name="inventory_levels_unfulfillable"),
    )
    op.create_index("inventory_levels_seller", "inventory_levels", ["seller_id", "fnsku"])
    op.create_table(
        "inventory_ledger",
        sa.Column("entry_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("bucket", sa.Text, nullable=False),
        sa.Column("delta", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("shipment_id", sa.Text),
        sa.Column("cause_event_id", sa.Text),
        sa.Column("receipt_id", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "bucket IN ('inbound', 'fulfillable', 'reserved', 'unfulfillable')",
            name="inventory_ledger_bucket",
        ),
        sa.CheckConstraint("delta <> 0", name="inventory_ledger_delta"),
        sa.CheckConstraint(
            "cause_event_id IS NOT NULL OR receipt_id IS NOT NULL", name="inventory_ledger_cause"
        ),
    )
    op.create_index(
        "inventory_ledger_stock", "inventory_ledger", ["fnsku", "fulfillment_center_id", "entry_id"]
    )
    op.create_table(
        "receipts",
        sa.Column("receipt_id", sa.Text, primary_key=True),
        sa.Column(
            "shipment_id", sa.Text, sa.ForeignKey("inbound_shipments.shipment_id"), nullable=False
        ),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("result", postgresql.JSONB),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("receipts_shipment", "receipts", ["shipment_id", "recorded_at"])
    op.create_table(
        "receipt_lines",
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


def downgrade() -> None:
    for table in (
        "receipt_lines",
        "receipts",
        "inventory_ledger",
        "inventory_levels",
        "inbound_shipment_lines",
        "inbound_shipments",
    ):
        op.drop_table(table)
