"""`stockpath credentials issue|list|rotate|revoke`: the platform's credentials, as an operator
with access to the authority's database manages them (also the only way to the first operator
credential, before anyone can call an API).

The authority is the service that publishes `CredentialIssued` (registration): the command
writes the credential and its event in that service's database, in one transaction, through the
service's own unit of work; its relay announces it and every service knows it moments later.
A token is printed once and never stored.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stockpath_cli.ops import context

console = Console()

KINDS = ["seller", "fulfillment-center", "channel", "operator", "service"]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", help="The authority's database (default: the running stack's)"),
]
ExpiryOption = Annotated[
    int, typer.Option("--expires-in-days", min=0, max=3650, help="0: never expires")
]


def authority() -> str:
    """The service that issues credentials: whoever publishes CredentialIssued."""
    from stockpath_events import REGISTRY
    from stockpath_events.types.identity import CredentialIssued

    return REGISTRY.for_model(CredentialIssued).domain


async def _in_authority(database_url: str | None, work):
    from stockpath_runtime.db import create_engine
    from stockpath_runtime.service import get_service

    name = authority()
    definition = get_service(name)
    engine = create_engine(context.database_url(name, database_url), pool_size=1)
    try:
        async with definition.unit_of_work(engine, source=f"/services/{name}") as uow:
            result = await work(uow)
            await uow.commit()
            return result
    finally:
        await engine.dispose()


async def issue(kind: str, subject: str, *, days: int | None, database_url: str | None = None):
    from stockpath_runtime.credentials import ActorKind, issue_credential

    ttl = timedelta(days=days) if days else None
    return await _in_authority(
        database_url, lambda uow: issue_credential(uow, ActorKind(kind), subject, ttl=ttl)
    )


def register(app: typer.Typer) -> None:
    credentials = typer.Typer(
        help="Credentials of sellers, FCs, channels, operators and services.", no_args_is_help=True
    )
    app.add_typer(credentials, name="credentials")

    @credentials.command("issue")
    def issue_command(
        kind: Annotated[str, typer.Argument(help=" | ".join(KINDS))],
        subject: Annotated[str, typer.Argument(help="Seller id, FC id, channel name, or a name")],
        expires_in_days: ExpiryOption = 90,
        database_url: DatabaseOption = None,
    ) -> None:
        """Issue a credential; prints its token once."""
        if kind not in KINDS:
            console.print(f"[red]kind must be one of {', '.join(KINDS)}[/red]")
            raise typer.Exit(2)
        token, credential = asyncio.run(
            issue(kind, subject, days=expires_in_days or None, database_url=database_url)
        )
        _print_token(token, credential)

    @credentials.command("rotate")
    def rotate_command(
        credential_id: str, expires_in_days: ExpiryOption = 90, database_url: DatabaseOption = None
    ) -> None:
        """Issue a new credential for the same actor and revoke the old one; prints the new token."""
        from stockpath_runtime.credentials import UnknownCredential, rotate_credential

        ttl = timedelta(days=expires_in_days) if expires_in_days else None
        try:
            token, credential = asyncio.run(
                _in_authority(
                    database_url, lambda uow: rotate_credential(uow, credential_id, ttl=ttl)
                )
            )
        except UnknownCredential as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
        _print_token(token, credential)

    @credentials.command("revoke")
    def revoke_command(
        credential_id: str,
        reason: Annotated[str | None, typer.Option(help="Why, for the record")] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Revoke a credential: it stops authenticating anyone, everywhere."""
        from stockpath_runtime.credentials import UnknownCredential, revoke_credential

        try:
            credential = asyncio.run(
                _in_authority(
                    database_url, lambda uow: revoke_credential(uow, credential_id, reason=reason)
                )
            )
        except UnknownCredential as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
        console.print(
            f"revoked {credential.credential_id} ({credential.kind.value} {credential.subject})"
        )

    @credentials.command("list")
    def list_command(
        kind: Annotated[str | None, typer.Option(help=" | ".join(KINDS))] = None,
        database_url: DatabaseOption = None,
    ) -> None:
        """Every credential (never a secret) and whether it is valid."""
        from datetime import UTC, datetime

        from stockpath_runtime.credentials import ActorKind

        found = asyncio.run(
            _in_authority(
                database_url,
                lambda uow: uow.credentials.listed(
                    kind=ActorKind(kind) if kind else None, limit=1000
                ),
            )
        )
        table = Table("credential", "kind", "subject", "issued", "expires", "state")
        now = datetime.now(UTC)
        for c in found:
            state = "revoked" if c.revoked_at else ("expired" if not c.valid_at(now) else "valid")
            table.add_row(
                c.credential_id,
                c.kind.value,
                c.subject,
                f"{c.issued_at:%Y-%m-%d %H:%M}",
                f"{c.expires_at:%Y-%m-%d}" if c.expires_at else "never",
                state,
            )
        console.print(table)


def _print_token(token: str, credential) -> None:
    expires = f"{credential.expires_at:%Y-%m-%d %H:%M} UTC" if credential.expires_at else "never"
    console.print(
        f"credential {credential.credential_id}  {credential.kind.value} {credential.subject}  expires {expires}"
    )
    console.print(f"token      {token}")
    console.print("[dim]Shown once: keep it where its holder keeps secrets.[/dim]")
