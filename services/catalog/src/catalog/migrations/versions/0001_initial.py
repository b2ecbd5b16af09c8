"""catalog items, identifiers, outbox and inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from stockpath_runtime.db import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "catalog_items",
        sa.Column("catalog_item_id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("brand", sa.Text),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("identifiers", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("length_cm", sa.Float),
        sa.Column("width_cm", sa.Float),
        sa.Column("height_cm", sa.Float),
        sa.Column("weight_g", sa.Float),
        sa.Column("hazmat", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("attributes", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column(
            "search",
            postgresql.TSVECTOR,
            sa.Computed(
                "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                "setweight(to_tsvector('english', coalesce(brand, '')), 'B') || "
                "setweight(to_tsvector('english', coalesce(category, '')), 'C')",
                persisted=True,
            ),
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("catalog_items_search", "catalog_items", ["search"], postgresql_using="gin")
    op.execute(
        "CREATE INDEX catalog_items_title_trgm ON catalog_items USING gin (lower(title) gin_trgm_ops)"
    )
    op.execute("CREATE INDEX catalog_items_brand ON catalog_items (lower(brand))")
    op.execute("CREATE INDEX catalog_items_category ON catalog_items (lower(category))")
    op.create_table(
        "catalog_identifiers",
        sa.Column("value", sa.Text, primary_key=True),
        sa.Column(
            "catalog_item_id",
            sa.Text,
            sa.ForeignKey("catalog_items.catalog_item_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_identifiers")
    op.drop_table("catalog_items")
