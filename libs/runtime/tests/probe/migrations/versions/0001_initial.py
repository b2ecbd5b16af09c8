"""messaging tables and the probe's effects"""

import sqlalchemy as sa
from alembic import op

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "effects",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("effects")
