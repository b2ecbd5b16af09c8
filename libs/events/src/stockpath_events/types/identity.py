"""Credentials registration issues and revokes, on `identity.events` (key: credential_id).

Every service keeps a copy of the credentials (only their hash: the secret itself exists only
in its holder's hands) so that it can authenticate callers on its own, without asking anyone.
"""

from __future__ import annotations

from datetime import datetime

from stockpath_events.base import EventData


class CredentialIssued(EventData):
    """A credential exists: whoever presents `sp_<credential_id>_<secret>` with this secret's
    SHA-256 acts as `kind` `subject` until `expires_at` (or until revoked)."""

    credential_id: str
    #: seller, fulfillment-center, channel, operator or service.
    kind: str
    #: Who: a seller id, an FC id, a channel name, an operator's or a service's name.
    subject: str
    secret_sha256: str
    issued_at: datetime
    expires_at: datetime | None = None


class CredentialRevoked(EventData):
    """A credential no longer authenticates anyone (revoked, or replaced by a rotation)."""

    credential_id: str
    revoked_at: datetime
    reason: str | None = None
