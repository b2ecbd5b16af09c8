"""customer returns authorized, each of shipped units of one order to one FC (issue 15)"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "order_returns",
        sa.Column("return_id", sa.Text, primary_key=True),
        sa.Column("order_id", sa.Text, nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("lines", postgresql.JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("authorized_by", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("order_returns_order", "order_returns", ["order_id"])


def downgrade() -> None:
    op.drop_table("order_returns")
