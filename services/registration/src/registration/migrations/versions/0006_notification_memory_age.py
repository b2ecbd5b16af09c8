"""notified_fulfillment_orders.remembered_at and notified_removal_orders.remembered_at: when the
consumer first remembered an order, so that the worker forgets orders older than
notifications.memory_days instead of keeping every order ever routed (issue 16)"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

TABLES = ("notified_fulfillment_orders", "notified_removal_orders")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column(
                "remembered_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            ),
        )
        # BRIN: rows arrive in time order, and the index costs the consumer's inserts next to nothing.
        op.create_index(f"{table}_remembered_at", table, ["remembered_at"], postgresql_using="brin")


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"{table}_remembered_at", table_name=table)
        op.drop_column(table, "remembered_at")
