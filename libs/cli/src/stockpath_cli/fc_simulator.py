"""A reference fulfillment-center system: what a warehouse integrating with Stockpath does.

It reads `fulfillment.instructions` as any outside system would — a plain aiokafka consumer in its
own consumer group, CloudEvents decoded with the shared contract — keeps the instructions for its
own FC (header ``ce_fulfillmentcenter``), "picks and packs" each after a delay, and writes
ShipmentShipped (carrier, tracking number) to `fulfillment.updates`. A customer return authorized
to it (ReturnAuthorized) "comes back" after the same delay and is reported as ReturnReceived; the
simulator inspects it by the buyer's reason: one naming "defective", "carrier" or "damaged" comes
back defective, carrier-damaged or customer-damaged, anything else sellable. A removal order
(RemovalInstructed, on `fulfillment.removals`) is carried out after the same delay — RemovalShipped
or UnitsDisposed — unless its RemovalOrderCancelled came first. A FulfillmentCancelled that
arrives before the parcel left stops it; one that arrives later is too late (the platform then
refuses the buyer's cancellation).

Shipping twice is impossible by construction:

- every fulfillment order's state (pending, shipped, cancelled) is written to a small JSON state
  file *before* the consumer commits its offset, so a redelivered instruction is recognised;
- the ShipmentShipped event id is derived from the fulfillment order id (UUID v5), so even with
  the state file lost, a second publication is the same event and every consumer's inbox drops it.

An operator can make it report an FC exception (issue 15): with ``--short-pick N`` it finds N units
of each order's first line missing at pick (``--exception-reason DAMAGED``: found damaged), reports
them in a FulfillmentRejectedByCenter (its id derived from the fulfillment order id, like the
shipment's) and ships the rest; the platform writes them off (or makes them unfulfillable) and
re-routes them to another FC.

    stockpath fc-simulator --fulfillment-center SEA1 --delay 0.5
    stockpath fc-simulator --fulfillment-center EWR4 --short-pick 1
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from stockpath_events import (
    KafkaMessage,
    MalformedEvent,
    Topics,
    UnsupportedEvent,
    decode_message,
    encode,
    new_event,
)
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    RemovalShipped,
    ReturnCondition,
    ReturnedLine,
    ReturnReceived,
    ShipmentShipped,
    UnitsDisposed,
)
from stockpath_events.types.inventory import (
    RemovalDisposition,
    RemovalInstructed,
    RemovalOrderCancelled,
)
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    ReturnAuthorized,
)

log = structlog.get_logger("fc-simulator")

#: Namespace of the deterministic ShipmentShipped event ids.
SHIPMENT_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4c8e-9a53-2f7d7c1b9e40")
#: Namespace of the deterministic FulfillmentRejectedByCenter event ids.
EXCEPTION_NAMESPACE = uuid.UUID("0b7e3f52-8a41-4d9c-b6f0-3c2e5a9d1e77")
CARRIERS = {"standard": "USPS", "expedited": "UPS", "priority": "FedEx"}
PENDING, SHIPPED, CANCELLED, RECEIVED = "pending", "shipped", "cancelled", "received"
#: State-file keys of customer returns (beside the fulfillment order ids).
RETURN_KEY = "return:"
REMOVAL_KEY = "removal:"


def return_event_id(return_id: str) -> str:
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, RETURN_KEY + return_id))


def inspected(reason: str | None) -> ReturnCondition:
    """The condition the simulator finds a return in, from what the buyer said."""
    said = (reason or "").lower()
    for word, condition in (
        ("defective", ReturnCondition.DEFECTIVE),
        ("carrier", ReturnCondition.CARRIER_DAMAGED),
        ("damaged", ReturnCondition.CUSTOMER_DAMAGED),
    ):
        if word in said:
            return condition
    return ReturnCondition.SELLABLE


def shipment_event_id(fulfillment_order_id: str) -> str:
    return str(uuid.uuid5(SHIPMENT_NAMESPACE, fulfillment_order_id))


def exception_event_id(fulfillment_order_id: str) -> str:
    return str(uuid.uuid5(EXCEPTION_NAMESPACE, fulfillment_order_id))


def tracking_number(carrier: str, fulfillment_order_id: str) -> str:
    digest = hashlib.sha256(fulfillment_order_id.encode()).hexdigest().upper()
    return f"{carrier[:2].upper()}{digest[:16]}"


class StateFile:
    """The simulator's memory of fulfillment orders, rewritten atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.orders: dict[str, dict] = json.loads(path.read_text()) if path.exists() else {}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.orders, sort_keys=True))
        os.replace(tmp, self.path)


class FcSimulator:
    def __init__(
        self,
        *,
        bootstrap_servers: str,
        fulfillment_center_id: str,
        delay_s: float,
        state: StateFile,
        group_id: str | None = None,
        short_pick: int = 0,
        exception_reason: ExceptionReason = ExceptionReason.SHORT_PICK,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.fc = fulfillment_center_id
        self.delay_s = delay_s
        self.state = state
        self.group_id = group_id or f"stockpath-fc-simulator-{fulfillment_center_id}"
        self.source = f"/fulfillment-centers/{fulfillment_center_id}"
        self.short_pick = short_pick
        self.exception_reason = exception_reason
        self._producer: Any = None  # an AIOKafkaProducer once running (aiokafka has no types)
        self._tasks: set[asyncio.Task] = set()

    async def run(self, stop: asyncio.Event) -> None:
        from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

        consumer = AIOKafkaConsumer(
            Topics.FULFILLMENT_INSTRUCTIONS,
            Topics.FULFILLMENT_REMOVALS,
            bootstrap_servers=self.bootstrap_servers,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers, acks="all", enable_idempotence=False
        )
        await self._producer.start()
        await consumer.start()
        log.info("fc simulator started", fulfillment_center_id=self.fc, group_id=self.group_id)
        try:
            # Orders accepted before a restart and not shipped yet are packed again.
            for fo_id, entry in self.state.orders.items():
                if entry["status"] == PENDING:
                    self._schedule(fo_id)  # a return or a removal too (RETURN_KEY, REMOVAL_KEY)
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    for r in records:
                        self._receive(
                            KafkaMessage(
                                topic=r.topic,
                                key=r.key,
                                value=r.value,
                                headers=list(r.headers or []),
                            )
                        )
                if batches:
                    # The state file holds every instruction read so far, so the offsets may move on.
                    await consumer.commit()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await consumer.stop()
            await self._producer.stop()

    def _receive(self, message: KafkaMessage) -> None:
        if message.header("ce_fulfillmentcenter") != self.fc:
            return  # another FC's instruction
        try:
            envelope = decode_message(message)
        except (MalformedEvent, UnsupportedEvent) as e:
            log.warning("unreadable instruction skipped", error=str(e))
            return
        data = envelope.data
        if isinstance(data, FulfillmentInstructed):
            if data.fulfillment_order_id in self.state.orders:
                log.info(
                    "instruction delivered again; ignored",
                    fulfillment_order_id=data.fulfillment_order_id,
                )
                return
            self.state.orders[data.fulfillment_order_id] = {
                "status": PENDING,
                "order_id": data.order_id,
                "shipping_speed": data.shipping_speed.value,
                "correlation_id": envelope.correlation_id,
                "instruction_id": envelope.id,
                "units": sum(line.quantity for line in data.lines),
                "first_line": [data.lines[0].line_id, data.lines[0].fnsku, data.lines[0].quantity],
            }
            self.state.save()
            self._schedule(data.fulfillment_order_id)
        elif isinstance(data, ReturnAuthorized):
            key = RETURN_KEY + data.return_id
            if key in self.state.orders:
                log.info("return authorized again; ignored", return_id=data.return_id)
                return
            self.state.orders[key] = {
                "status": PENDING,
                "order_id": data.order_id,
                "correlation_id": envelope.correlation_id,
                "instruction_id": envelope.id,
                "lines": [{"fnsku": line.fnsku, "quantity": line.quantity} for line in data.lines],
                "condition": inspected(data.reason).value,
            }
            self.state.save()
            self._schedule(key)
        elif isinstance(data, RemovalInstructed):
            key = REMOVAL_KEY + data.removal_order_id
            if key in self.state.orders:
                log.info(
                    "removal instructed again; ignored", removal_order_id=data.removal_order_id
                )
                return
            self.state.orders[key] = {
                "status": PENDING,
                "disposition": data.disposition.value,
                "correlation_id": envelope.correlation_id,
                "instruction_id": envelope.id,
            }
            self.state.save()
            self._schedule(key)
        elif isinstance(data, RemovalOrderCancelled):
            entry = self.state.orders.get(REMOVAL_KEY + data.removal_order_id)
            if entry and entry["status"] == PENDING:
                entry["status"] = CANCELLED
                self.state.save()
                log.info(
                    "removal cancelled before it was carried out",
                    removal_order_id=data.removal_order_id,
                )
        elif isinstance(data, FulfillmentCancelled):
            entry = self.state.orders.get(data.fulfillment_order_id)
            if entry and entry["status"] == PENDING:
                entry["status"] = CANCELLED
                self.state.save()
                log.info(
                    "fulfillment order cancelled before it shipped",
                    fulfillment_order_id=data.fulfillment_order_id,
                )
            else:
                log.info(
                    "cancellation too late or unknown",
                    fulfillment_order_id=data.fulfillment_order_id,
                    status=entry and entry["status"],
                )

    def _schedule(self, fulfillment_order_id: str) -> None:
        task = asyncio.create_task(self._pick_pack_ship(fulfillment_order_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pick_pack_ship(self, fulfillment_order_id: str) -> None:
        await asyncio.sleep(self.delay_s)
        entry = self.state.orders[fulfillment_order_id]
        if entry["status"] != PENDING:
            return
        if fulfillment_order_id.startswith(RETURN_KEY):
            await self._receive_return(fulfillment_order_id.removeprefix(RETURN_KEY), entry)
            return
        if fulfillment_order_id.startswith(REMOVAL_KEY):
            await self._remove(fulfillment_order_id.removeprefix(REMOVAL_KEY), entry)
            return
        if self.short_pick and "missing" not in entry and "first_line" in entry:
            await self._report_exception(fulfillment_order_id, entry)
        if entry.get("missing", 0) >= entry["units"]:
            entry["status"] = CANCELLED  # nothing left to ship: the platform re-routes all of it
            self.state.save()
            return
        carrier = CARRIERS.get(entry["shipping_speed"], "USPS")
        envelope = new_event(
            ShipmentShipped(
                fulfillment_order_id=fulfillment_order_id,
                order_id=entry["order_id"],
                fulfillment_center_id=self.fc,
                carrier=carrier,
                tracking_number=tracking_number(carrier, fulfillment_order_id),
                shipped_at=datetime.now(UTC),
            ),
            source=self.source,
            correlation_id=entry["correlation_id"],
            event_id=shipment_event_id(fulfillment_order_id),
        )
        await self._publish(replace(envelope, causation_id=entry["instruction_id"]))
        entry["status"] = SHIPPED
        self.state.save()
        log.info(
            "shipped",
            fulfillment_order_id=fulfillment_order_id,
            carrier=carrier,
            units=entry["units"],
        )

    async def _receive_return(self, return_id: str, entry: dict) -> None:
        envelope = new_event(
            ReturnReceived(
                return_id=return_id,
                order_id=entry["order_id"],
                fulfillment_center_id=self.fc,
                lines=[
                    ReturnedLine(
                        fnsku=line["fnsku"], quantity=line["quantity"], condition=entry["condition"]
                    )
                    for line in entry["lines"]
                ],
                received_at=datetime.now(UTC),
            ),
            source=self.source,
            correlation_id=entry["correlation_id"],
            event_id=return_event_id(return_id),
        )
        await self._publish(replace(envelope, causation_id=entry["instruction_id"]))
        entry["status"] = RECEIVED
        self.state.save()
        log.info("return received", return_id=return_id, condition=entry["condition"])

    async def _remove(self, removal_order_id: str, entry: dict) -> None:
        data: RemovalShipped | UnitsDisposed
        if entry["disposition"] == RemovalDisposition.RETURN.value:
            carrier = CARRIERS["standard"]
            data = RemovalShipped(
                removal_order_id=removal_order_id,
                fulfillment_center_id=self.fc,
                carrier=carrier,
                tracking_number=tracking_number(carrier, REMOVAL_KEY + removal_order_id),
                shipped_at=datetime.now(UTC),
            )
        else:
            data = UnitsDisposed(
                removal_order_id=removal_order_id,
                fulfillment_center_id=self.fc,
                disposed_at=datetime.now(UTC),
            )
        envelope = new_event(
            data,
            source=self.source,
            correlation_id=entry["correlation_id"],
            event_id=return_event_id(REMOVAL_KEY + removal_order_id),
        )
        await self._publish(replace(envelope, causation_id=entry["instruction_id"]))
        entry["status"] = SHIPPED
        self.state.save()
        log.info(
            "removal carried out",
            removal_order_id=removal_order_id,
            disposition=entry["disposition"],
        )

    async def _report_exception(self, fulfillment_order_id: str, entry: dict) -> None:
        """Report `short_pick` units of the order's first line missing (or damaged) at pick."""
        line_id, fnsku, quantity = entry["first_line"]
        missing = min(self.short_pick, quantity)
        envelope = new_event(
            FulfillmentRejectedByCenter(
                fulfillment_order_id=fulfillment_order_id,
                order_id=entry["order_id"],
                fulfillment_center_id=self.fc,
                reason=f"{missing} unit(s) of {fnsku} {self.exception_reason.value.lower().replace('_', ' ')} at pick",
                lines=[
                    ExceptionLine(
                        line_id=line_id,
                        fnsku=fnsku,
                        quantity=missing,
                        reason_code=self.exception_reason,
                    )
                ],
            ),
            source=self.source,
            correlation_id=entry["correlation_id"],
            event_id=exception_event_id(fulfillment_order_id),
        )
        await self._publish(replace(envelope, causation_id=entry["instruction_id"]))
        entry["missing"] = missing
        self.state.save()
        log.info(
            "FC exception reported", fulfillment_order_id=fulfillment_order_id, missing=missing
        )

    async def _publish(self, envelope) -> None:
        message = encode(envelope)
        while True:
            try:
                await self._producer.send_and_wait(
                    message.topic, value=message.value, key=message.key, headers=message.headers
                )
                break
            except (
                Exception
            ) as e:  # the broker is away: the parcel left (or came), the report must follow
                log.warning("could not publish; retrying", event_type=envelope.type, error=repr(e))
                await asyncio.sleep(1)


def fc_simulator(
    fulfillment_center: Annotated[
        str,
        typer.Option("--fulfillment-center", help="The FC whose instructions to fulfil, e.g. SEA1"),
    ],
    delay: Annotated[
        float, typer.Option(min=0, max=3600, help="Seconds to pick and pack each order")
    ] = 0.5,
    bootstrap_servers: Annotated[
        str | None,
        typer.Option(
            help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS or the running stack)"
        ),
    ] = None,
    state_file: Annotated[
        Path | None,
        typer.Option(
            help="Where to remember fulfillment orders (default: .stockpath/fc-simulator-<FC>.json)"
        ),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group (default: stockpath-fc-simulator-<FC>)")
    ] = None,
    short_pick: Annotated[
        int,
        typer.Option(
            min=0,
            help="Report this many units of each order's first line missing at pick (an FC exception)",
        ),
    ] = 0,
    exception_reason: Annotated[
        ExceptionReason,
        typer.Option(help="What --short-pick reports: SHORT_PICK (not found) or DAMAGED"),
    ] = ExceptionReason.SHORT_PICK,
) -> None:
    """Act as a fulfillment center: ship each order instructed to it after a delay (ShipmentShipped)."""
    import stockpath_network
    from stockpath_cli import stack as stack_module

    if stockpath_network.get(fulfillment_center) is None:
        known = ", ".join(fc.fulfillment_center_id for fc in stockpath_network.network())
        typer.echo(
            f"fulfillment center {fulfillment_center} is not in the network ({known})", err=True
        )
        raise typer.Exit(2)
    bootstrap = bootstrap_servers or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        running = stack_module.read_state()
        bootstrap = running["broker"] if running else "127.0.0.1:9092"
    simulator = FcSimulator(
        bootstrap_servers=bootstrap,
        fulfillment_center_id=fulfillment_center,
        delay_s=delay,
        state=StateFile(
            state_file or Path(".stockpath") / f"fc-simulator-{fulfillment_center}.json"
        ),
        group_id=group,
        short_pick=short_pick,
        exception_reason=exception_reason,
    )
    typer.echo(
        f"fc-simulator {fulfillment_center}: reading {Topics.FULFILLMENT_INSTRUCTIONS} and {Topics.FULFILLMENT_REMOVALS}"
        f" on {bootstrap}"
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await simulator.run(stop)

    asyncio.run(main())
