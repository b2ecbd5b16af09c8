"""`stockpath lag`: how far each service's consumer group is behind, per topic and partition."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import committed_offsets, end_offsets, partitions, plain_consumer

console = Console()


@dataclass(frozen=True)
class Lag:
    service: str
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int

    @property
    def lag(self) -> int:
        # A group that never committed on a partition will read it from the beginning. A commit
        # past the end (seen from faust on Tansu for a partition holding one message) is no lag.
        return max(0, self.end - (self.committed or 0))


async def service_lag(bootstrap: str, service: str, group: str, topics: list[str]) -> list[Lag]:
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        tps = [tp for t in topics for tp in await partitions(consumer, t)]
        committed = await committed_offsets(consumer, tps)
        end = await end_offsets(consumer, tps)
        return [Lag(service, group, tp.topic, tp.partition, committed[tp], end[tp]) for tp in tps]


async def platform_lag(bootstrap: str, groups: dict[str, str]) -> list[Lag]:
    """`groups`: service name → its consumer group. Services that consume nothing are skipped."""
    rows: list[Lag] = []
    for service, group in groups.items():
        topics = context.consumed_topics(service)
        if topics:
            rows.extend(await service_lag(bootstrap, service, group, topics))
    return rows


def register(app: typer.Typer) -> None:
    @app.command("lag")
    def lag_command(
        service: Annotated[
            list[str] | None, typer.Option("--service", "-s", help="Only these services")
        ] = None,
        group: Annotated[
            str | None, typer.Option(help="Consumer group (with one --service)")
        ] = None,
        empty: Annotated[
            bool, typer.Option("--empty", help="Also list partitions nothing was ever written to")
        ] = False,
        bootstrap: Annotated[
            str | None, typer.Option(help="Broker list (default: the running stack)")
        ] = None,
    ) -> None:
        """Consumer lag per service, topic and partition."""
        from stockpath_runtime.service import installed_services

        names = service or list(installed_services())
        if group and len(names) != 1:
            raise typer.BadParameter("--group needs exactly one --service")
        groups = {n: context.consumer_group(n, group) for n in names}
        rows = asyncio.run(platform_lag(context.bootstrap_servers(bootstrap), groups))
        table = Table("service", "group", "topic", "partition", "committed", "end", "lag")
        for column in table.columns[:3]:
            column.no_wrap = True
        for r in rows:
            if r.end == 0 and not empty:
                continue
            table.add_row(
                r.service,
                r.group,
                r.topic,
                str(r.partition),
                "-" if r.committed is None else str(r.committed),
                str(r.end),
                f"[red]{r.lag}[/red]" if r.lag else "0",
            )
        console.print(table)
        console.print(f"total lag: {sum(r.lag for r in rows)}")
