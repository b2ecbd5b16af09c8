"""listings keep their status: a closed listing's item may no longer be ordered in its channel

Every listing recorded before this revision came from a ListingPublished (the router did not
consume ListingClosed), so they start active.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("listings", sa.Column("status", sa.Text, nullable=False, server_default="active"))
    op.create_check_constraint(
        "listings_status_known", "listings", "status IN ('active', 'closed')"
    )
    op.create_index(
        "listings_active_items",
        "listings",
        ["channel", "seller_id", "seller_sku"],
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("listings_active_items", table_name="listings")
    op.drop_constraint("listings_status_known", "listings", type_="check")
    op.drop_column("listings", "status")
