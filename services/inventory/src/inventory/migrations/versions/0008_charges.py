"""charges: the ledger of what sellers are charged for the units the inventory moves, one row per
causing event, kind, reference and FNSKU; billed_items: what pricing needs of each registered item;
fee_quotes: the fulfillment fee per unit MCF orders were quoted; storage_snapshots and
storage_charges: the days whose storage was taken, and each day's storage fee per seller, FNSKU and
FC (issue 16)"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "billed_items",
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("size_tier", sa.Text, nullable=True),
        sa.Column("shipping_weight_g", sa.Float, nullable=True),
        sa.Column("cubic_feet", sa.Numeric(20, 10), nullable=True),
    )
    op.create_table(
        "fee_quotes",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("unit_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column("schedule_effective_from", sa.Date, nullable=False),
    )
    op.create_table(
        "charges",
        sa.Column("charge_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("unit_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("schedule_effective_from", sa.Date, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fulfillment', 'return_processing', 'removal')", name="charges_kind"
        ),
        sa.CheckConstraint("quantity > 0", name="charges_quantity"),
    )
    op.create_index("charges_seller_time", "charges", ["seller_id", "occurred_at"])
    op.create_table(
        "storage_snapshots",
        sa.Column("day", sa.Date, primary_key=True),
    )
    op.create_table(
        "storage_charges",
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
    )
    op.create_index("storage_charges_seller_day", "storage_charges", ["seller_id", "day"])


def downgrade() -> None:
    op.drop_index("charges_seller_time", table_name="charges")
    op.drop_index("storage_charges_seller_day", table_name="storage_charges")
    op.drop_table("storage_charges")
    op.drop_table("storage_snapshots")
    op.drop_table("charges")
    op.drop_table("fee_quotes")
    op.drop_table("billed_items")
