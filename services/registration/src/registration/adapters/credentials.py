"""The platform's credentials as their authority lists them: the runtime's repository of the
`credentials` table, plus the operator's filtered, counted pages (never a secret leaves here but
its digest, and the API shows not even that)."""

from __future__ import annotations

import sqlalchemy as sa

from stockpath_runtime.credentials import ActorKind, Credential, CredentialRepository
from stockpath_runtime.db import credentials
from stockpath_runtime.paging import Page


class CredentialRegistry(CredentialRepository):
    async def page(
        self, *, kind: ActorKind | None = None, subject: str | None = None, limit: int, offset: int
    ) -> Page[Credential]:
        """Credentials, oldest first, optionally of one kind and/or one subject."""
        filters = []
        if kind is not None:
            filters.append(credentials.c.kind == kind.value)
        if subject is not None:
            filters.append(credentials.c.subject == subject)
        total = (
            await self._conn.execute(
                sa.select(sa.func.count()).select_from(credentials).where(*filters)
            )
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(credentials)
            .where(*filters)
            .order_by(credentials.c.issued_at, credentials.c.credential_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([Credential(**{**r._mapping, "kind": ActorKind(r.kind)}) for r in rows], total)
