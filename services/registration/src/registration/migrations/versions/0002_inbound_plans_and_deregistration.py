"""inbound plans (a plan groups the shipments it split into) and registration updates"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Null for shipments planned one at a time (POST /v1/inbound-shipments) and for every shipment
    # planned before plans existed.
    op.add_column("inbound_shipments", sa.Column("plan_id", sa.Text, nullable=True))
    op.create_index("inbound_shipments_by_plan", "inbound_shipments", ["seller_id", "plan_id"])
    # When the seller last changed the price or channels, or deregistered the item.
    op.add_column(
        "registrations", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("registrations", "updated_at")
    op.drop_index("inbound_shipments_by_plan", table_name="inbound_shipments")
    op.drop_column("inbound_shipments", "plan_id")
