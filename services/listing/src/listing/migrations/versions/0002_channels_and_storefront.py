"""catalog snapshot on listings, webhook deliveries, buyer orders of the storefront"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("listings", sa.Column("item", postgresql.JSONB, nullable=True))
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("idempotency_key", sa.Text, nullable=False, unique=True),
        sa.Column("listing_id", sa.Text, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("abandoned_at", sa.DateTime(timezone=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index(
        "webhook_deliveries_pending",
        "webhook_deliveries",
        ["listing_id", "id"],
        postgresql_where=sa.text("delivered_at IS NULL AND abandoned_at IS NULL"),
    )
    op.create_table(
        "buyer_orders",
        sa.Column("order_id", sa.Text, primary_key=True),
        sa.Column("checkout_token", sa.Text, nullable=False, unique=True),
        sa.Column("lines", postgresql.JSONB, nullable=False),
        sa.Column("ship_to", postgresql.JSONB, nullable=False),
        sa.Column("shipping_speed", sa.Text, nullable=False),
        sa.Column("total", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_detail", sa.Text),
        sa.Column("fulfillment_orders", sa.Integer, nullable=False, server_default="0"),
        sa.Column("shipments", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    op.drop_table("buyer_orders")
    op.drop_table("webhook_deliveries")
    op.drop_column("listings", "item")
