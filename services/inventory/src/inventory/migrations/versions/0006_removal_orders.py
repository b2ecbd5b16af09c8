"""sellers' removal orders (issue 15)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "removal_orders",
        sa.Column("removal_order_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("disposition", sa.Text, nullable=False),
        sa.Column("lines", postgresql.JSONB, nullable=False),
        sa.Column("ship_to", postgresql.JSONB, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text, nullable=True),
        sa.Column("tracking_number", sa.Text, nullable=True),
        sa.Column("completed_event_id", sa.Text, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('PENDING', 'SHIPPED', 'DISPOSED', 'CANCELLED')",
            name="removal_orders_status",
        ),
        sa.CheckConstraint(
            "disposition IN ('return', 'dispose')", name="removal_orders_disposition"
        ),
    )
    op.create_index("removal_orders_seller", "removal_orders", ["seller_id", "created_at"])


def downgrade() -> None:
    op.drop_table("removal_orders")
