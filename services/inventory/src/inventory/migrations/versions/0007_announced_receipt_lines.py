"""announced_receipt_lines: a receipt's lines gathered from its announcements while a replay
rebuilds it (issue 17)"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "announced_receipt_lines",
        sa.Column("receipt_id", sa.Text, primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("shipment_id", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("quantity_received", sa.BigInteger, nullable=False),
        sa.Column("quantity_damaged", sa.BigInteger, nullable=False),
        sa.Column("receipt_recorded_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("announced_receipt_lines")
