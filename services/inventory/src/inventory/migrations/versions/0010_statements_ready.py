"""last_day_snapshots_charged: the snapshots of a month's last day charged so far (per day, FC and
seller), which tell when that day is charged completely; statements_ready: the sellers and months
whose StatementReady was announced, once each (issue 16)"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "last_day_snapshots_charged",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("fulfillment_center_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, primary_key=True),
    )
    op.create_table(
        "statements_ready",
        sa.Column("seller_id", sa.Text, primary_key=True),
        sa.Column("month", sa.Text, primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("statements_ready")
    op.drop_table("last_day_snapshots_charged")
