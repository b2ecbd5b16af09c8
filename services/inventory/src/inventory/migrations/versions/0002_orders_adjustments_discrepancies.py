"""a cumulative shipped bucket; fulfillment orders and their reservations; adjustments; discrepancies"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.add_column(
        "inventory_levels", sa.Column("shipped", sa.BigInteger, nullable=False, server_default="0")
    )
    op.create_check_constraint("inventory_levels_shipped", "inventory_levels", "shipped >= 0")
    op.drop_constraint("inventory_ledger_bucket", "inventory_ledger", type_="check")
    op.create_check_constraint(
        "inventory_ledger_bucket",
        "inventory_ledger",
        "bucket IN ('inbound', 'fulfillable', 'reserved', 'unfulfillable', 'shipped')",
    )
    op.add_column("inventory_ledger", sa.Column("fulfillment_order_id", sa.Text))
    op.add_column("inventory_ledger", sa.Column("adjustment_id", sa.Text))
    op.add_column("inbound_shipments", sa.Column("seller_shipped_at", sa.DateTime(timezone=True)))
    op.create_table(
        "fulfillment_orders",
        sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("instructed", sa.Boolean, nullable=False),
        sa.Column("carrier", sa.Text),
        sa.Column("tracking_number", sa.Text),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('RESERVED', 'CANCELLED', 'SHIPPED')", name="fulfillment_orders_status"
        ),
    )
    op.create_table(
        "fulfillment_order_stock",
        sa.Column(
            "fulfillment_order_id",
            sa.Text,
            sa.ForeignKey("fulfillment_orders.fulfillment_order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text),
        sa.Column("quantity_ordered", sa.BigInteger, nullable=False),
        sa.Column("quantity_reserved", sa.BigInteger, nullable=False),
        sa.CheckConstraint(
            "quantity_reserved >= 0 AND quantity_reserved <= quantity_ordered",
            name="fo_stock_reserved",
        ),
    )
    op.create_table(
        "adjustments",
        sa.Column("adjustment_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("to_fulfillment_center_id", sa.Text),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        _timestamp("recorded_at"),
        sa.CheckConstraint(
            "kind IN ('found', 'lost', 'damaged', 'transferred')", name="adjustments_kind"
        ),
        sa.CheckConstraint("quantity > 0", name="adjustments_quantity"),
    )
    op.create_table(
        "discrepancies",
        sa.Column("discrepancy_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("quantity_expected", sa.BigInteger),
        sa.Column("quantity_counted", sa.BigInteger),
        sa.Column("shipment_id", sa.Text),
        sa.Column("fulfillment_order_id", sa.Text),
        sa.Column("receipt_id", sa.Text),
        _timestamp("recorded_at"),
        sa.CheckConstraint(
            "kind IN ('shortage', 'overage', 'unknown-fnsku', 'reservation-shortfall')",
            name="discrepancies_kind",
        ),
    )
    op.create_index("discrepancies_shipment", "discrepancies", ["shipment_id"])
    op.create_index("discrepancies_fnsku", "discrepancies", ["fnsku", "fulfillment_center_id"])


def downgrade() -> None:
    for table in ("discrepancies", "adjustments", "fulfillment_order_stock", "fulfillment_orders"):
        op.drop_table(table)
    op.drop_column("inbound_shipments", "seller_shipped_at")
    op.drop_column("inventory_ledger", "adjustment_id")
    op.drop_column("inventory_ledger", "fulfillment_order_id")
    op.drop_constraint("inventory_ledger_bucket", "inventory_ledger", type_="check")
    op.create_check_constraint(
        "inventory_ledger_bucket",
        "inventory_ledger",
        "bucket IN ('inbound', 'fulfillable', 'reserved', 'unfulfillable')",
    )
    op.drop_constraint("inventory_levels_shipped", "inventory_levels", type_="check")
    op.drop_column("inventory_levels", "shipped")
