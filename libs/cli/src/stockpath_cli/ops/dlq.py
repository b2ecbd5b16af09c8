"""`stockpath dlq list|show|redrive|discard`: dead letters, and what the operator did with them.

A dead letter is referred to as ``<dlq topic>:<partition>:<offset>`` (e.g. ``orders.dlq:2:14``).

Re-drive writes the original message back to its original topic — same key, same value, same
CloudEvents headers (the ``dlq_*`` ones removed), so the same event id: a consumer that did
apply the event before (it was dead-lettered by one consumer group but applied by another, or
re-driven twice) finds it in its inbox and changes nothing.

What was re-driven or discarded is recorded in ``<dlq topic>.handled``: one small JSON record
per dead letter, keyed by ``<partition>:<offset>``, written after the re-drive was acknowledged.
The broker is the one place every operator's command line already reaches, so no extra
database is needed, and the record travels with the dead letters it describes. A message
that fails again after a re-drive is dead-lettered anew, at a new offset, and shows up again.
A crash between re-drive and record may re-drive a message twice; the inboxes absorb it.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import Record, plain_producer, read_topics
from stockpath_cli.ops.tail import render

console = Console()

HANDLED_SUFFIX = ".handled"


def handled_topic(dlq_topic: str) -> str:
    return dlq_topic + HANDLED_SUFFIX


def dlq_topics() -> list[str]:
    from stockpath_events import REGISTRY, dead_letter_topic

    return [dead_letter_topic(t) for t in REGISTRY.topics()]


@dataclass(frozen=True)
class DeadLetter:
    record: Record
    #: What an operator did with it: {"action": "redriven"|"discarded", "reason", "at", "by"}, or None.
    handled: dict | None

    @property
    def ref(self) -> str:
        return self.record.ref

    def header(self, name: str) -> str | None:
        return self.record.message.header(name)

    @property
    def original_topic(self) -> str:
        return self.header("dlq_original_topic") or self.record.topic.removesuffix(".dlq")


def parse_ref(ref: str) -> tuple[str, int, int]:
    topic, _, rest = ref.partition(":")
    partition, _, offset = rest.partition(":")
    if not topic.endswith(".dlq") or not partition.isdigit() or not offset.isdigit():
        raise ValueError(f"{ref!r} is not a dead letter reference such as orders.dlq:0:12")
    return topic, int(partition), int(offset)


async def ensure_handled_topics(bootstrap: str, topics: list[str]) -> None:
    from stockpath_runtime.kafka import ensure_topics

    await ensure_topics(
        bootstrap, partitions=1, replication=1, topics=[handled_topic(t) for t in topics]
    )


async def _handled(bootstrap: str, dlq_topic: str) -> dict[str, dict]:
    records: dict[str, dict] = {}
    async for r in read_topics(bootstrap, [handled_topic(dlq_topic)]):
        records[(r.message.key or b"").decode()] = json.loads(r.message.value)
    return records


async def dead_letters(
    bootstrap: str, topics: list[str] | None = None, *, include_handled: bool = True
) -> list[DeadLetter]:
    topics = topics or dlq_topics()
    await ensure_handled_topics(bootstrap, topics)
    found = []
    for topic in topics:
        handled = await _handled(bootstrap, topic)
        async for r in read_topics(bootstrap, [topic]):
            mark = handled.get(f"{r.partition}:{r.offset}")
            if include_handled or mark is None:
                found.append(DeadLetter(r, mark))
    return found


async def get(bootstrap: str, ref: str) -> DeadLetter:
    topic, partition, offset = parse_ref(ref)
    for letter in await dead_letters(bootstrap, [topic]):
        if letter.record.partition == partition and letter.record.offset == offset:
            return letter
    raise LookupError(f"no dead letter {ref}")


async def _record(bootstrap: str, letter: DeadLetter, action: str, reason: str) -> dict:
    mark = {
        "action": action,
        "reason": reason,
        "event_id": letter.header("ce_id"),
        "original_topic": letter.original_topic,
        "at": datetime.now(UTC).isoformat(),
        "by": getpass.getuser(),
    }
    async with plain_producer(bootstrap) as producer:
        await producer.send_and_wait(
            handled_topic(letter.record.topic),
            key=f"{letter.record.partition}:{letter.record.offset}".encode(),
            value=json.dumps(mark).encode(),
        )
    return mark


async def redrive(
    bootstrap: str, refs: list[str] | None = None, *, topics: list[str] | None = None
) -> list[DeadLetter]:
    """Re-drive the named dead letters (or, without refs, every unhandled one on `topics`).
    Returns the ones re-driven; a dead letter already handled is refused."""
    if refs:
        letters = [await get(bootstrap, ref) for ref in refs]
        done = [letter.ref for letter in letters if letter.handled]
        if done:
            raise ValueError(f"already handled, not re-driven again: {', '.join(done)}")
    else:
        letters = await dead_letters(bootstrap, topics, include_handled=False)
    for letter in letters:
        m = letter.record.message
        headers = [(k, v) for k, v in m.headers if not k.startswith("dlq_")]
        async with plain_producer(bootstrap) as producer:
            await producer.send_and_wait(
                letter.original_topic, key=m.key, value=m.value, headers=headers
            )
        await _record(bootstrap, letter, "redriven", "re-driven to " + letter.original_topic)
    return letters


async def discard(bootstrap: str, ref: str, reason: str) -> DeadLetter:
    if not reason.strip():
        raise ValueError("a discard needs a reason")
    letter = await get(bootstrap, ref)
    if letter.handled:
        raise ValueError(f"{ref} was already {letter.handled['action']}")
    await _record(bootstrap, letter, "discarded", reason)
    return letter


Bootstrap = Annotated[str | None, typer.Option(help="Broker list (default: the running stack)")]
Ref = Annotated[str, typer.Argument(help="<dlq topic>:<partition>:<offset>, e.g. orders.dlq:0:12")]


def register(app: typer.Typer) -> None:
    dlq = typer.Typer(no_args_is_help=True, help="Dead letters: list, show, re-drive, discard.")
    app.add_typer(dlq, name="dlq")

    def fail(e: Exception) -> NoReturn:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(1) from None

    @dlq.command("list")
    def list_command(
        topic: Annotated[
            list[str] | None,
            typer.Option("--topic", "-t", help="Dead-letter topics (default: all)"),
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Include re-driven and discarded ones")
        ] = False,
        bootstrap: Bootstrap = None,
    ) -> None:
        """Dead letters with their error headers (unhandled ones unless --all)."""
        letters = asyncio.run(
            dead_letters(context.bootstrap_servers(bootstrap), topic, include_handled=all_)
        )
        headers = [
            "ref",
            "type",
            "consumer",
            "error",
            "reason",
            "tries",
            "failed at",
            *(["handled"] if all_ else []),
        ]
        table = Table(*headers)
        for column in table.columns:
            column.no_wrap = column.header != "reason"
            if column.header == "reason":
                column.min_width = 28
        for x in letters:
            row = [
                x.ref,
                (x.header("ce_type") or "-").removeprefix("stockpath."),
                x.header("dlq_consumer") or "-",
                x.header("dlq_error") or "-",
                (x.header("dlq_reason") or "")[:60],
                x.header("dlq_attempts") or "-",
                (x.header("dlq_failed_at") or "")[:19].replace("T", " "),
            ]
            if all_:
                row.append(x.handled["action"] if x.handled else "")
            table.add_row(*row)
        console.print(table)
        console.print(f"{len(letters)} dead letter(s)")

    @dlq.command("show")
    def show_command(ref: Ref, bootstrap: Bootstrap = None) -> None:
        """One dead letter: headers (errors included) and payload."""
        try:
            letter = asyncio.run(get(context.bootstrap_servers(bootstrap), ref))
        except (LookupError, ValueError) as e:
            fail(e)
        console.print(render(letter.record))
        if letter.handled:
            console.print(
                f"{letter.handled['action']} at {letter.handled['at']} by {letter.handled['by']}: "
                f"{letter.handled['reason']}"
            )

    @dlq.command("redrive")
    def redrive_command(
        ref: Annotated[list[str] | None, typer.Argument(help="Dead letters to re-drive")] = None,
        all_: Annotated[bool, typer.Option("--all", help="Every unhandled dead letter")] = False,
        topic: Annotated[
            list[str] | None,
            typer.Option("--topic", "-t", help="With --all: only these DLQ topics"),
        ] = None,
        bootstrap: Bootstrap = None,
    ) -> None:
        """Write dead letters back to their original topic (same event id), once."""
        if bool(ref) == all_:
            fail(ValueError("name dead letters to re-drive, or pass --all"))
        try:
            done = asyncio.run(redrive(context.bootstrap_servers(bootstrap), ref, topics=topic))
        except (LookupError, ValueError) as e:
            fail(e)
        for x in done:
            console.print(
                f"re-drove {x.ref} ({x.header('ce_type')} {x.header('ce_id')}) to {x.original_topic}"
            )
        console.print(f"{len(done)} re-driven")

    @dlq.command("discard")
    def discard_command(
        ref: Ref,
        reason: Annotated[
            str, typer.Option("--reason", help="Why it is dropped (kept in the record)")
        ],
        bootstrap: Bootstrap = None,
    ) -> None:
        """Mark a dead letter as dropped, with a reason; it is no longer listed or re-driven."""
        try:
            letter = asyncio.run(discard(context.bootstrap_servers(bootstrap), ref, reason))
        except (LookupError, ValueError) as e:
            fail(e)
        console.print(f"discarded {letter.ref}: {reason}")
