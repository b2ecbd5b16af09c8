"""seller notifications: subscriptions, the delivery outbox and its attempts, and what the
consumer remembers to tell the right seller (fulfillment and removal orders' sellers, last
stock levels)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "notification_subscriptions",
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
    )
    op.create_index(
        "notification_subscriptions_by_seller", "notification_subscriptions", ["seller_id"]
    )
    op.create_table(
        "notification_deliveries",
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
            "next_attempt_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("subscription_id", "notification_id"),
    )
    op.create_index(
        "notification_deliveries_by_seller",
        "notification_deliveries",
        ["seller_id", "delivery_id"],
    )
    op.create_index(
        "notification_deliveries_due",
        "notification_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "notification_attempts",
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
    op.create_table(
        "notified_fulfillment_orders",
        sa.Column("fulfillment_order_id", sa.Text, primary_key=True),
        sa.Column("lines", postgresql.JSONB, nullable=True),
        sa.Column("shipped", postgresql.JSONB, nullable=True),
    )
    op.create_table(
        "notified_removal_orders",
        sa.Column("removal_order_id", sa.Text, primary_key=True),
        sa.Column("removal_order", postgresql.JSONB, nullable=True),
        sa.Column("shipped", postgresql.JSONB, nullable=True),
    )
    op.create_table(
        "notified_stock_levels",
        sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
        sa.Column("fnsku", sa.Text, primary_key=True),
        sa.Column("fulfillable", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "notified_stock_levels",
        "notified_removal_orders",
        "notified_fulfillment_orders",
        "notification_attempts",
        "notification_deliveries",
        "notification_subscriptions",
    ):
        op.drop_table(table)
