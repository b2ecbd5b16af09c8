"""multi-channel fulfillment fees: each registration's size tier and shipping weight (from
ItemRegistered), and the fulfillment fee recorded with each MCF order placed with a quote (issue 16)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_index(
        "orders_mcf",
        "orders",
        ["order_id"],
        postgresql_ops={"order_id": "text_pattern_ops"},
        postgresql_where=sa.text("channel = 'mcf'"),
    )
    op.add_column("registrations", sa.Column("size_tier", sa.Text, nullable=True))
    op.add_column("registrations", sa.Column("shipping_weight_g", sa.Float, nullable=True))
    op.create_table(
        "mcf_fees",
        sa.Column(
            "order_id",
            sa.Text,
            sa.ForeignKey("orders.order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("lines", postgresql.JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mcf_fees")
    op.drop_column("registrations", "shipping_weight_g")
    op.drop_column("registrations", "size_tier")
    op.drop_index("orders_mcf", table_name="orders")
