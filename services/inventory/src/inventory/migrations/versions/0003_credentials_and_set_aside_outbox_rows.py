"""the runtime's tables as they are now: credentials (every service's copy, from identity.events)
and the outbox's set-aside rows (failed_at, failure)"""

from alembic import op

from stockpath_runtime.db import downgrade_messaging_tables, upgrade_messaging_tables

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    upgrade_messaging_tables(op)


def downgrade() -> None:
    downgrade_messaging_tables(op)
