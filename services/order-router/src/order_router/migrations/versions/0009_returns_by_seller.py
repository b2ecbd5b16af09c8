"""a seller's customer returns found by the sellers of their lines: a GIN index on order_returns.lines
(issue 15)"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_index(
        "order_returns_lines",
        "order_returns",
        ["lines"],
        postgresql_using="gin",
        postgresql_ops={"lines": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_index("order_returns_lines", table_name="order_returns")
