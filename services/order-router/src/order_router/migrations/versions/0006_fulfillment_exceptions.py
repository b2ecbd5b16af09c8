"""fulfillment_exceptions: the fulfillment orders whose FC exception was handled (issue 15)"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "fulfillment_exceptions",
        sa.Column(
            "fulfillment_order_id",
            sa.Text,
            sa.ForeignKey("fulfillment_orders.fulfillment_order_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cause_event_id", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fulfillment_exceptions")
