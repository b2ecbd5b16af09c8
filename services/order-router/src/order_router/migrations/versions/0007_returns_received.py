"""customer returns received: the FC's report on each authorized return, and an order RETURNED once
every unit it shipped came back (issue 15)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"

BEFORE = ("PENDING", "ROUTED", "REJECTED", "BACKORDERED", "CANCELLED", "SHIPPED")


def upgrade() -> None:
    op.add_column(
        "order_returns", sa.Column("status", sa.Text, nullable=False, server_default="AUTHORIZED")
    )
    op.add_column("order_returns", sa.Column("received", postgresql.JSONB, nullable=True))
    op.add_column("order_returns", sa.Column("received_event_id", sa.Text, nullable=True))
    op.create_check_constraint(
        "order_returns_status", "order_returns", "status IN ('AUTHORIZED', 'RECEIVED')"
    )
    op.drop_constraint("orders_status_known", "orders", type_="check")
    op.create_check_constraint(
        "orders_status_known", "orders", f"status IN {(*BEFORE, 'RETURNED')!r}"
    )


def downgrade() -> None:
    op.drop_constraint("orders_status_known", "orders", type_="check")
    op.create_check_constraint("orders_status_known", "orders", f"status IN {BEFORE!r}")
    op.drop_constraint("order_returns_status", "order_returns", type_="check")
    op.drop_column("order_returns", "received_event_id")
    op.drop_column("order_returns", "received")
    op.drop_column("order_returns", "status")
