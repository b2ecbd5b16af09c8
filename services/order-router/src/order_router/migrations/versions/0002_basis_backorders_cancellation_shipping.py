"""availability against inventory's basis; backordered and cancelled quantities; shipped fulfillment orders

The skeleton kept `on_hand` (fulfillable as inventory reported it) and `reserved`. Inventory now
reserves and ships too, so fulfillable alone would shrink under our own reservations; the router
allocates against `basis` = fulfillable + reserved + shipped instead, minus `reservations_total`
(every unit it ever allocated and did not release). Before this revision inventory never reserved
or shipped, so the old on_hand equals the basis and the columns are renamed as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

STATUSES = ("PENDING", "ROUTED", "REJECTED", "BACKORDERED", "CANCELLED", "SHIPPED")


def upgrade() -> None:
    op.alter_column("availability", "on_hand", new_column_name="basis", type_=sa.BigInteger)
    op.alter_column(
        "availability", "reserved", new_column_name="reservations_total", type_=sa.BigInteger
    )
    op.drop_constraint("availability_on_hand_not_negative", "availability", type_="check")
    op.drop_constraint("availability_reserved_not_negative", "availability", type_="check")
    op.create_check_constraint("availability_basis_not_negative", "availability", "basis >= 0")
    op.create_check_constraint(
        "availability_reservations_not_negative", "availability", "reservations_total >= 0"
    )
    op.drop_constraint("orders_status_known", "orders", type_="check")
    op.create_check_constraint("orders_status_known", "orders", f"status IN {STATUSES!r}")
    op.add_column("orders", sa.Column("cancellation", sa.dialects.postgresql.JSONB))
    op.add_column("order_lines", sa.Column("resolved_seller_id", sa.Text))
    op.add_column("order_lines", sa.Column("resolved_seller_sku", sa.Text))
    op.add_column(
        "order_lines",
        sa.Column("quantity_backordered", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column(
        "order_lines",
        sa.Column("quantity_cancelled", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index(
        "order_lines_backordered",
        "order_lines",
        ["fnsku"],
        postgresql_where=sa.text("quantity_backordered > 0"),
    )
    op.add_column("fulfillment_orders", sa.Column("carrier", sa.Text))
    op.add_column("fulfillment_orders", sa.Column("tracking_number", sa.Text))
    op.add_column("fulfillment_orders", sa.Column("shipped_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for column in ("shipped_at", "tracking_number", "carrier"):
        op.drop_column("fulfillment_orders", column)
    op.drop_index("order_lines_backordered", "order_lines")
    for column in (
        "quantity_cancelled",
        "quantity_backordered",
        "resolved_seller_sku",
        "resolved_seller_id",
    ):
        op.drop_column("order_lines", column)
    op.drop_column("orders", "cancellation")
    op.drop_constraint("orders_status_known", "orders", type_="check")
    op.create_check_constraint(
        "orders_status_known", "orders", "status IN ('PENDING', 'ROUTED', 'REJECTED')"
    )
    op.drop_constraint("availability_reservations_not_negative", "availability", type_="check")
    op.drop_constraint("availability_basis_not_negative", "availability", type_="check")
    op.alter_column(
        "availability", "reservations_total", new_column_name="reserved", type_=sa.Integer
    )
    op.alter_column("availability", "basis", new_column_name="on_hand", type_=sa.Integer)
    op.create_check_constraint("availability_on_hand_not_negative", "availability", "on_hand >= 0")
    op.create_check_constraint(
        "availability_reserved_not_negative", "availability", "reserved >= 0"
    )
