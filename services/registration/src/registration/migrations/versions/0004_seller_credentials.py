"""sellers authenticate with the platform's credentials: each seller's token becomes a seller
credential (announced on identity.events), and sellers.token_sha256 goes

A seller's old token was 43 URL-safe characters whose SHA-256 was stored: exactly a credential
secret. So every existing seller keeps its token as the secret of a new seller credential (expiring
90 days after this migration): the seller signs in with ``sp_<credential_id>_<old token>``, the
credential id being what an operator reads from ``GET /v1/credentials?kind=seller&subject=<seller
id>`` (or the operator rotates it and hands over the new token). The credential is written with
its CredentialIssued event in the outbox, in this migration's transaction, so every service
learns it as it learns any other.
"""

import dataclasses
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from stockpath_events import new_event
from stockpath_runtime.credentials import ActorKind, issued, new_credential
from stockpath_runtime.db import credentials, outbox
from stockpath_runtime.unit_of_work import encode_within_limit

revision = "0004"
down_revision = "0003"

#: How long a migrated token stays valid: as long as a newly issued seller credential.
MIGRATED_TOKEN_DAYS = 90
SOURCE = "/services/registration"

sellers = sa.table("sellers", sa.column("seller_id", sa.Text), sa.column("token_sha256", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    for seller_id, token_sha256 in bind.execute(
        sa.select(sellers.c.seller_id, sellers.c.token_sha256)
    ).all():
        _, fresh = new_credential(
            ActorKind.SELLER, seller_id, now=now, ttl=timedelta(days=MIGRATED_TOKEN_DAYS)
        )
        credential = dataclasses.replace(fresh, secret_sha256=token_sha256)
        bind.execute(
            sa.insert(credentials).values(
                {**dataclasses.asdict(credential), "kind": credential.kind.value}
            )
        )
        envelope = new_event(issued(credential), source=SOURCE)
        message = encode_within_limit(envelope)
        headers = [[k, v.decode()] for k, v in message.headers]
        row = {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "topic": message.topic,
            "key": message.key,
        }
        bind.execute(sa.insert(outbox).values(**row, value=message.value, headers=headers))
    op.drop_column("sellers", "token_sha256")


def downgrade() -> None:
    # Each seller's digest comes back from its newest seller credential (a seller without one gets
    # a digest no token has); the credentials themselves stay, as the runtime's tables do.
    op.add_column("sellers", sa.Column("token_sha256", sa.Text, nullable=True))
    op.execute(
        """
        UPDATE sellers SET token_sha256 = COALESCE(
          (SELECT c.secret_sha256 FROM credentials c
            WHERE c.kind = 'seller' AND c.subject = sellers.seller_id
            ORDER BY c.issued_at DESC LIMIT 1),
          'none:' || sellers.seller_id)
        """
    )
    op.alter_column("sellers", "token_sha256", nullable=False)
    op.create_unique_constraint("sellers_token_sha256_key", "sellers", ["token_sha256"])
