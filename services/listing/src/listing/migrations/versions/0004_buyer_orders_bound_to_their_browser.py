"""buyer orders bound to the browser that placed them (the digest of its buyer key)"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("buyer_orders", sa.Column("buyer_sha256", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("buyer_orders", "buyer_sha256")
