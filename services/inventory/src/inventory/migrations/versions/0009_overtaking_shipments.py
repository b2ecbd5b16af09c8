"""fulfillment_orders.shipment_event_id, shipment_event_type, shipped_at: the shipment confirmation
that overtook its instruction, kept so that the fulfillment fee is charged as that shipment (its
event, its day) when the instruction brings the lines, not as the instruction (issue 16)"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.add_column("fulfillment_orders", sa.Column("shipment_event_id", sa.Text, nullable=True))
    op.add_column("fulfillment_orders", sa.Column("shipment_event_type", sa.Text, nullable=True))
    op.add_column(
        "fulfillment_orders", sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    for column in ("shipped_at", "shipment_event_type", "shipment_event_id"):
        op.drop_column("fulfillment_orders", column)
