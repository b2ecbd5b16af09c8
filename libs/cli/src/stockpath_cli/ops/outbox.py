"""`stockpath outbox list|retry`: outbox rows a relay set aside because the broker refused them for
good (larger than it accepts, say), so that the rows after them could be published.

A set-aside row is never lost: it stays in its service's outbox with why it was refused. After
the cause is fixed (the broker's limit raised, say), `retry` hands it back to the relay, which
publishes it with the next batch.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stockpath_cli.ops import context

console = Console()


async def set_aside(service: str, database_url: str | None = None) -> list:
    import sqlalchemy as sa

    from stockpath_runtime.db import create_engine, outbox

    engine = create_engine(context.database_url(service, database_url), pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(
                    outbox.c.id,
                    outbox.c.event_type,
                    outbox.c.topic,
                    outbox.c.key,
                    sa.func.length(outbox.c.value).label("bytes"),
                    outbox.c.failed_at,
                    outbox.c.failure,
                )
                .where(outbox.c.published_at.is_(None), outbox.c.failed_at.is_not(None))
                .order_by(outbox.c.id)
            )
            return list(rows)
    finally:
        await engine.dispose()


async def retry(service: str, row_id: int, database_url: str | None = None) -> bool:
    import sqlalchemy as sa

    from stockpath_runtime.db import OUTBOX_CHANNEL, create_engine, outbox

    engine = create_engine(context.database_url(service, database_url), pool_size=1)
    try:
        async with engine.begin() as conn:
            done = await conn.execute(
                sa.update(outbox)
                .where(
                    outbox.c.id == row_id,
                    outbox.c.published_at.is_(None),
                    outbox.c.failed_at.is_not(None),
                )
                .values(failed_at=None, failure=None)
            )
            await conn.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, "")))
            return done.rowcount == 1
    finally:
        await engine.dispose()


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Outbox rows the broker refused for good, set aside by the relay.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="outbox")

    @group.command("list")
    def list_command(
        service: Annotated[
            str | None, typer.Argument(help="One service (default: every installed one)")
        ] = None,
    ) -> None:
        """Set-aside rows of each service, with why the broker refused them."""
        from stockpath_runtime.service import installed_services

        table = Table("service", "row", "event type", "topic", "key", "bytes", "set aside", "why")
        for name in [service] if service else list(installed_services()):
            for r in asyncio.run(set_aside(name)):
                table.add_row(
                    name,
                    str(r.id),
                    r.event_type,
                    r.topic,
                    (r.key or b"").decode("utf-8", "replace"),
                    f"{r.bytes:,}",
                    f"{r.failed_at:%Y-%m-%d %H:%M:%S}",
                    r.failure or "",
                )
        console.print(table if table.row_count else "no outbox row is set aside")

    @group.command("retry")
    def retry_command(service: str, row: int) -> None:
        """Hand a set-aside row back to the relay (after fixing why it was refused)."""
        if not asyncio.run(retry(service, row)):
            console.print(f"[red]{service} has no set-aside outbox row {row}[/red]")
            raise typer.Exit(1)
        console.print(f"{service} outbox row {row} goes out with the relay's next batch")
