"""sellers, registrations, inbound shipments, outbox and inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "sellers",
        sa.Column("seller_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("token_sha256", sa.Text, nullable=False, unique=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "registration_requests",
        sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), primary_key=True),
        sa.Column("request_id", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "registrations",
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("registration_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("catalog_item_id", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text, nullable=False),
        sa.Column("condition", sa.Text, nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("fnsku", sa.Text, unique=True),
        sa.Column("size_tier", sa.Text),
        sa.Column("reason_code", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("item", postgresql.JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("registrations_by_seller", "registrations", ["seller_id", "seq"])
    op.create_index(
        "registrations_by_request", "registrations", ["seller_id", "request_id", "position"]
    )
    op.create_index(
        "registrations_one_item_per_sku",
        "registrations",
        ["seller_id", "seller_sku"],
        unique=True,
        postgresql_where=sa.text("status = 'registered'"),
    )
    op.create_index(
        "registrations_one_sku_per_item",
        "registrations",
        ["seller_id", "catalog_item_id", "condition"],
        unique=True,
        postgresql_where=sa.text("status = 'registered'"),
    )
    op.create_table(
        "inbound_shipments",
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("shipment_id", sa.Text, primary_key=True),
        sa.Column("seller_id", sa.Text, sa.ForeignKey("sellers.seller_id"), nullable=False),
        sa.Column("fulfillment_center_id", sa.Text, nullable=False),
        sa.Column("ship_to", postgresql.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("carrier", sa.Text),
        sa.Column("tracking_number", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("shipped_at", sa.DateTime(timezone=True)),
    )
    op.create_index("inbound_shipments_by_seller", "inbound_shipments", ["seller_id", "seq"])
    op.create_table(
        "inbound_shipment_lines",
        sa.Column(
            "shipment_id",
            sa.Text,
            sa.ForeignKey("inbound_shipments.shipment_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("fnsku", sa.Text, nullable=False),
        sa.Column("seller_sku", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inbound_shipment_lines")
    op.drop_table("inbound_shipments")
    op.drop_table("registrations")
    op.drop_table("registration_requests")
    op.drop_table("sellers")
