"""The `stockpath` command line: run the platform locally and load demo data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from stockpath_cli import stack as stack_module

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Stockpath: fulfillment services for sellers."
)
console = Console()


def _url(service: str, override: str | None) -> str:
    if override:
        return override
    env = os.environ.get(f"{service.upper().replace('-', '_')}_URL")
    if env:
        return env
    state = stack_module.read_state()
    if state and service in state["services"]:
        return state["services"][service]["url"]
    from stockpath_cli.localstack import DEFAULT_PORTS

    return f"http://127.0.0.1:{DEFAULT_PORTS[service].http}"


@app.command()
def up(
    database_server: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL server URL, e.g. postgresql://postgres@127.0.0.1:5432 (default: embedded)"
        ),
    ] = None,
    broker_port: Annotated[int, typer.Option(help="Port of the local Tansu broker")] = 9092,
    partitions: Annotated[
        int, typer.Option(help="Partitions per topic when topics are created")
    ] = 6,
    log_dir: Annotated[Path, typer.Option(help="Where each process writes its log")] = Path(
        ".stockpath/logs"
    ),
    port_base: Annotated[
        int, typer.Option(min=1024, max=60000, help="APIs listen on base+1…, workers on base+1101…")
    ] = 8000,
) -> None:
    """Run the whole platform: broker, database, every service's API and worker. Ctrl-C stops it all."""
    say = console.print
    with console.status("starting Stockpath…"):
        try:
            stack = stack_module.start_stack(
                database_server=database_server,
                broker_port=broker_port,
                partitions=partitions,
                log_dir=log_dir,
                say=say,
                port_base=port_base,
            )
        except RuntimeError as e:
            console.print(f"[red]could not start: {e}[/red]")
            raise typer.Exit(1) from None
    for name, url in stack.lines():
        console.print(f"{name:<14} {url}", highlight=False)
    console.print(f"[dim]logs in {log_dir}/ — Ctrl-C stops everything[/dim]")
    try:
        stack_module.wait_for_signal(stack, say)
    finally:
        with console.status("stopping…"):
            stack.stop()
        console.print("stopped")


@app.command()
def status() -> None:
    """Show the running stack and whether each service is ready."""
    import httpx

    state = stack_module.read_state()
    if not state:
        console.print("no stack is running (start one with `stockpath up`)")
        raise typer.Exit(1)
    table = Table("service", "url", "api", "worker")
    for name, s in state["services"].items():

        def ready(url: str) -> str:
            try:
                return (
                    "[green]ready[/green]"
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200
                    else "[red]not ready[/red]"
                )
            except httpx.HTTPError:
                return "[red]down[/red]"

        table.add_row(name, s["url"], ready(s["url"]), ready(s["worker_url"]))
    console.print(table)
    console.print(f"broker {state['broker']}")


@app.command()
def down() -> None:
    """Stop the stack that `stockpath up` started."""
    if stack_module.stop_running_stack():
        console.print("stopped")
    else:
        console.print("no stack was running")


@app.command()
def seed(
    items: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="How many demo catalog items")
    ] = 1000,
    listed: Annotated[
        int,
        typer.Option(
            min=0,
            max=1000,
            help="How many demo items to register, stock at FCs and list in the shop",
        ),
    ] = 30,
    seller_name: Annotated[str, typer.Option(help="Name of the demo seller")] = "Demo Seller",
    catalog_url: Annotated[
        str | None, typer.Option(help="Catalog API (default: the running stack)")
    ] = None,
    registration_url: Annotated[
        str | None, typer.Option(help="Registration API (default: the running stack)")
    ] = None,
    inventory_url: Annotated[
        str | None, typer.Option(help="Inventory API (default: the running stack)")
    ] = None,
    listing_url: Annotated[
        str | None, typer.Option(help="Listing API and shop (default: the running stack)")
    ] = None,
    wait: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the shop to show the demo stock")
    ] = 180,
    operator_token: Annotated[
        str | None,
        typer.Option(
            envvar="STOCKPATH_OPERATOR_TOKEN",
            help="The operator's credential (default: the running stack's)",
        ),
    ] = None,
) -> None:
    """Make the shop sell at once: load the demo catalog; as the demo seller, register, plan, ship
    and (as each FC) receive demo items until the storefront lists them in stock; print the seller's,
    the FCs' and the storefront channel's bearer tokens. Seeding again reuses what is there."""
    import httpx

    from stockpath_cli import control
    from stockpath_cli.demo import Endpoints, stock_the_shop
    from stockpath_cli.demo_access import DemoFailed, Kept
    from stockpath_cli.ops import context
    from stockpath_cli.seed import NoDemoCatalog, demo_catalog_generator, seed_catalog

    try:
        generate = demo_catalog_generator()
    except NoDemoCatalog as e:
        console.print(f"[red]seed failed: {e}[/red]")
        raise typer.Exit(1) from None
    operator = operator_token or context.operator_token()
    if not operator:
        console.print(
            "[red]seed needs the operator's credential: start the stack (`stockpath up`) or pass --operator-token[/red]"
        )
        raise typer.Exit(1)
    catalog_items = generate(items)
    urls = Endpoints(
        *(
            _url(s, o).rstrip("/")
            for s, o in (
                ("catalog", catalog_url),
                ("registration", registration_url),
                ("inventory", inventory_url),
                ("listing", listing_url),
            )
        )
    )
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("loading the demo catalog", total=len(catalog_items))
            totals = seed_catalog(
                urls.catalog,
                catalog_items,
                operator_token=operator,
                progress=lambda n: progress.update(task, completed=n),
            )
        console.print(
            f"catalog: {totals['created']} created, {totals['updated']} updated, {totals['unchanged']} unchanged"
        )
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("stocking the shop", total=None)
            shop = stock_the_shop(
                urls,
                catalog_items,
                operator_token=operator,
                seller_name=seller_name,
                listed=listed,
                kept=Kept(control.STATE_DIR / "demo.json"),
                say=progress.console.print,
                timeout_s=wait,
                waiting=lambda done, of: progress.update(
                    task,
                    description="waiting for the shop to list them in stock",
                    completed=done,
                    total=of,
                ),
            )
    except httpx.HTTPError as e:
        console.print(f"[red]seed failed: {e} (is the stack running? `stockpath up`)[/red]")
        raise typer.Exit(1) from None
    except DemoFailed as e:
        console.print(
            f"[red]seed failed: {e}[/red] (seeding again carries on where this one stopped)",
            highlight=False,
        )
        raise typer.Exit(1) from None
    console.print(f"[green]{len(shop.items)} demo items in stock in the shop[/green]")
    # Plain lines (no wrapping), so a token can be copied whole.
    for line in (
        f"seller_id     {shop.seller_id}",
        f"token         {shop.seller_token}",
        f"console       {urls.registration}/console  (sign in with the token)",
        f"shop          {urls.listing}/shop",
        f"fc_page       {urls.inventory}/fc  (sign in with an FC's token)",
        *(f"fc_token      {token}  (FC {name})" for name, token in shop.fc_tokens.items()),
        f"channel_token {shop.channel_token}  (channel storefront; POST /v1/orders)",
    ):
        console.print(line, soft_wrap=True, highlight=False)


def _register_operator_commands() -> None:
    from stockpath_cli.ops import credentials, dlq, lag, offsets, outbox, replay, tail, trace

    for module in (replay, offsets, dlq, lag, tail, trace, outbox, credentials):
        module.register(app)


_register_operator_commands()


def _register_fc_simulator() -> None:
    from stockpath_cli.fc_simulator import fc_simulator

    app.command("fc-simulator")(fc_simulator)


_register_fc_simulator()

if __name__ == "__main__":
    app()
