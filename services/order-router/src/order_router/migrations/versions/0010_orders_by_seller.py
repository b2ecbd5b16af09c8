"""a seller's orders found by the seller of their lines (`GET /v1/seller-orders`): an index on
order_lines by coalesce(resolved_seller_id, seller_id), the seller the line resolved to or named,
instead of reading every line of every order (issue 16)"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_index(
        "order_lines_seller",
        "order_lines",
        [sa.text("coalesce(resolved_seller_id, seller_id)"), "order_id"],
    )


def downgrade() -> None:
    op.drop_index("order_lines_seller", table_name="order_lines")
