"""The `stockpath replay` command: options, progress bars, the equivalence check's table, and what
to do next. The work itself is `replay.replay` (see that module for the steps)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from stockpath_cli import stack as stack_module
from stockpath_cli.ops import context, equivalence, rebuildable
from stockpath_cli.ops.replay import LogTooShort, ReplayReport, SwitchRefused, replay

console = Console()


def _log_to_file(service: str) -> Path:
    """The handlers log as they do in the worker (JSON lines, role ``replay``), into a file next to
    the stack's logs, so the terminal keeps the progress bars."""
    import logging

    from stockpath_runtime.logs import configure_logging

    directory = Path(context.stack_logs() or stack_module.STATE_DIR / "logs")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{service}-replay.log"
    configure_logging(service, "replay", fmt="json", level="INFO")
    root = logging.getLogger()
    formatter = root.handlers[0].formatter
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = logging.FileHandler(path)
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    return path


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def print_check(report: ReplayReport) -> None:
    """What the equivalence check compared, left out and found."""
    check = report.equivalence
    if check is None:
        return
    for table, why in sorted(check.skipped.items()):
        console.print(f"[dim]not compared: {table} — {why}[/dim]")
    if report.service in rebuildable.DERIVED and check.skipped:
        console.print(f"[dim]derived from them: {rebuildable.DERIVED[report.service]}[/dim]")
    compared = sum(check.compared.values())
    if check.equal:
        console.print(
            f"[green]equivalence check: {len(check.compared)} table(s), {compared} live row(s), "
            "every column equal (apply-time stamps and apply-order numbers aside)[/green]"
        )
        return
    console.print(equivalence.render(check))
    console.print(f"[yellow]differences written to {report.differences_file}[/yellow]")


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_command(
        service: Annotated[
            str, typer.Argument(help="The service whose store to rebuild, e.g. listing")
        ],
        since: Annotated[
            str | None,
            typer.Option(
                help="Start at this ISO-8601 time instead of the beginning (e.g. with --database-url of a restored backup)"
            ),
        ] = None,
        database_url: Annotated[
            str | None,
            typer.Option(
                help="Rebuild into this database (default: a new one next to the live one)"
            ),
        ] = None,
        switch: Annotated[
            bool,
            typer.Option("--switch/--no-switch", help="Switch the running service over when done"),
        ] = True,
        stopped: Annotated[
            bool,
            typer.Option(
                "--stopped",
                help="The service is already stopped (e.g. scaled to 0): finish the switch, then start it yourself",
            ),
        ] = False,
        accept_differences: Annotated[
            bool,
            typer.Option(
                "--accept-differences",
                help="Switch even when the rebuilt store differs from the live one "
                "(the differences are written to a report file)",
            ),
        ] = False,
        bootstrap: Annotated[
            str | None, typer.Option(help="Broker list (default: the running stack)")
        ] = None,
    ) -> None:
        """Rebuild one service's store from the topics it consumes, then switch it over (blue/green)."""
        from stockpath_cli.ops.offsets import parse_target
        from stockpath_cli.ops.switch import StackSwitch

        moment = None
        if since is not None:
            target = parse_target(since)
            if not isinstance(target, datetime):
                raise typer.BadParameter(
                    "--since takes an ISO-8601 time such as 2026-11-26T14:00:00Z"
                )
            moment = target
        if switch and not stopped and not context.service_state(service):
            console.print(
                "[red]no `stockpath up` stack runs this service: stop it yourself and pass --stopped, "
                "or use --no-switch to only rebuild[/red]"
            )
            raise typer.Exit(1)
        from stockpath_cli.ops.switch import AlreadyStopped

        chosen = (AlreadyStopped() if stopped else StackSwitch()) if switch else None
        log_file = _log_to_file(service)
        console.print(f"handler logs go to {log_file}")
        try:
            with progress_bar() as progress:
                report = asyncio.run(
                    replay(
                        service,
                        bootstrap=context.bootstrap_servers(bootstrap),
                        live_url=context.database_url(service),
                        live_group=context.consumer_group(service),
                        new_url=database_url,
                        since=moment,
                        switch=chosen,
                        accept_differences=accept_differences,
                        report_dir=Path(context.stack_logs() or stack_module.STATE_DIR / "logs"),
                        progress=progress,
                        say=progress.console.print,
                    )
                )
        except LogTooShort as e:
            console.print(f"[red]replay refused: {e}[/red]")
            for tp, why in sorted(e.short.items()):
                console.print(f"[red]  {tp.topic}[{tp.partition}]: {why}[/red]")
            raise typer.Exit(1) from None
        except SwitchRefused as e:
            print_check(e.report)
            where = (
                "it runs on its own database again"
                if not stopped
                else "start it again on its own database and group"
            )
            console.print(
                f"[red]switch refused: {e}. {service}: {where}. Fix the handlers (or the log) and "
                "replay again, or pass --accept-differences[/red]"
            )
            raise typer.Exit(1) from None
        except (ValueError, LookupError, TimeoutError) as e:
            console.print(f"[red]replay failed: {e}[/red]")
            raise typer.Exit(1) from None
        rate = report.events / report.apply_seconds if report.apply_seconds else 0
        console.print(
            f"replayed {report.events} event(s) in {report.apply_seconds:.2f}s ({rate:.0f}/s; "
            f"{report.seconds:.1f}s with migrations and the switch): "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
        )
        print_check(report)
        console.print(
            f"outbox: {report.suppressed} repeated effect(s) suppressed, {report.left_to_publish} left to publish"
        )
        for failure in report.failed:
            console.print(
                f"[yellow]failed (already dead-lettered by the live consumer): {failure}[/yellow]"
            )
        console.print(
            json.dumps(
                {"database_url": report.database_url, "consumer_group": report.consumer_group}
            )
        )
        if report.switched and stopped:
            prefix = service.upper().replace("-", "_")
            console.print(
                f"start {service} with {prefix}_DATABASE_URL={report.database_url} "
                f"{prefix}_CONSUMER_GROUP={report.consumer_group}"
            )
        elif report.switched:
            console.print(
                f"{service} now runs on the rebuilt database; the old one is kept until you drop it"
            )
