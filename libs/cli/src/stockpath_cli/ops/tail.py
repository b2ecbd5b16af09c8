"""`stockpath tail <topic>`: follow a topic and print each event decoded, with its headers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax

from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import Record, partitions, plain_consumer, to_record

console = Console()


def render(record: Record) -> Panel:
    """One event as a panel: where it sits, its CloudEvents and dead-letter headers, its JSON payload."""
    m = record.message
    written = datetime.fromtimestamp(record.timestamp_ms / 1000, UTC).isoformat(
        timespec="milliseconds"
    )
    lines = [
        f"[bold]{m.header('ce_type') or '(no ce_type)'}[/bold]  key={(m.key or b'').decode(errors='replace')}"
    ]
    for k, v in m.headers:
        if k != "ce_type":
            lines.append(f"  [dim]{k}[/dim] {v.decode(errors='replace') if v is not None else ''}")
    try:
        body = json.dumps(json.loads(m.value), sort_keys=True)
        payload: RenderableType = Syntax(body, "json", theme="ansi_dark", word_wrap=True)
    except (ValueError, TypeError):
        payload = repr(m.value[:500]) if m.value is not None else "(no value)"
    from rich.console import Group

    return Panel(
        Group("\n".join(lines), payload), title=f"{record.ref}  {written}", title_align="left"
    )


async def follow(
    bootstrap: str, topic: str, *, from_beginning: bool, limit: int | None, show
) -> int:
    shown = 0
    async with plain_consumer(bootstrap) as consumer:
        tps = await partitions(consumer, topic)
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        while limit is None or shown < limit:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for r in records:
                    show(to_record(r))
                    shown += 1
                    if limit is not None and shown >= limit:
                        return shown
    return shown


def register(app: typer.Typer) -> None:
    @app.command("tail")
    def tail_command(
        topic: Annotated[str, typer.Argument(help="Topic to follow, e.g. orders or orders.dlq")],
        from_beginning: Annotated[
            bool, typer.Option("--from-beginning", help="Start at the oldest event")
        ] = False,
        limit: Annotated[
            int | None, typer.Option("--limit", "-n", min=1, help="Stop after this many events")
        ] = None,
        bootstrap: Annotated[
            str | None, typer.Option(help="Broker list (default: the running stack)")
        ] = None,
    ) -> None:
        """Follow a topic, printing decoded events with their headers (Ctrl-C stops)."""
        try:
            asyncio.run(
                follow(
                    context.bootstrap_servers(bootstrap),
                    topic,
                    from_beginning=from_beginning,
                    limit=limit,
                    show=lambda r: console.print(render(r)),
                )
            )
        except LookupError as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            pass
