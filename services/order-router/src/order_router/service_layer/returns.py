"""Customer returns: `authorize_return` (HTTP) checks a return against what shipped and what was
already authorized (domain/returns.py), records it and tells the FC (ReturnAuthorized on
`fulfillment.instructions`, the FC's topic); `record_returns` (ReturnReceived) checks what came back
against the authorization, records it and announces it (ReturnReceiptAccepted, which inventory
applies), and an order whose every shipped unit came back is RETURNED.

Order-router reads its ReturnAuthorized back: `record_authorized_returns` records a return not
recorded yet — live never (the request recorded it with its announcement), in `stockpath replay`
into an empty store the returns the requests authorized, so the FC's reports land on them."""

from __future__ import annotations

import structlog

from order_router.domain.commands import AuthorizeReturn, RecordAuthorizedReturn, RecordReturn
from order_router.domain.model import OrderRecord, OrderStatus, UnknownOrder
from order_router.domain.ownership import PartyKind, ids_to_try, owns
from order_router.domain.returns import (
    CustomerReturn,
    authorize,
    check_report,
    every_shipped_unit_back,
    returnable_by,
)
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events.types.fulfillment import ReturnCondition, ReturnedLine
from stockpath_events.types.order_router import (
    ReturnAuthorized,
    ReturnLine,
    ReturnReceiptAccepted,
)

log = structlog.get_logger("order-router")


async def authorize_return(command: AuthorizeReturn, uow: OrderRouterUnitOfWork) -> CustomerReturn:
    """Authorize the return and publish it; UnknownOrder when the order is not the requester's
    (a seller: has none of its lines), ReturnRefused when it asks for more than is returnable."""
    party = command.requested_by
    async with uow:
        record: OrderRecord | None = None
        fulfillment_orders = []
        for candidate in ids_to_try(party, command.order_id):
            found = await uow.orders.record(candidate)
            if found is None:
                continue
            fulfillment_orders = await uow.fulfillment_orders.of_order(found.order.order_id)
            seller_lines = party.kind is PartyKind.SELLER and returnable_by(
                party, [line for fo in fulfillment_orders for line in fo.lines]
            )
            if owns(party, found.order) or seller_lines:
                record = found
                break
        if record is None:
            raise UnknownOrder(command.order_id)
        order_id = record.order.order_id
        await uow.orders.get(order_id, lock=True)  # one return of an order at a time
        customer_return = authorize(
            party,
            order_id,
            command.lines,
            fulfillment_orders,
            await uow.returns.of_order(order_id),
            fulfillment_center_id=command.fulfillment_center_id,
            reason=command.reason,
        )
        await uow.returns.add(customer_return)
        uow.emit(
            ReturnAuthorized(
                return_id=customer_return.return_id,
                order_id=order_id,
                fulfillment_center_id=customer_return.fulfillment_center_id,
                lines=[
                    ReturnLine(
                        line_id=line.line_id,
                        fnsku=line.fnsku,
                        seller_id=line.seller_id,
                        seller_sku=line.seller_sku,
                        quantity=line.quantity,
                    )
                    for line in customer_return.lines
                ],
                reason=customer_return.reason,
                authorized_by=customer_return.authorized_by,
            )
        )
        await uow.commit()
    return customer_return


async def record_authorized_returns(
    commands: list[RecordAuthorizedReturn], uow: OrderRouterUnitOfWork
) -> None:
    """Returns as order-router announced them, recorded unless they are already (see the module's
    docstring)."""
    for command in commands:
        announced = command.customer_return
        if announced is not None and await uow.returns.add(announced):
            log.info("return rebuilt from its announcement", return_id=announced.return_id)


async def record_returns(commands: list[RecordReturn], uow: OrderRouterUnitOfWork) -> None:
    """An FC received authorized returns (ReturnReceived): each report is checked against the
    return authorized (`check_report`: ReturnReportRefused, so the report is dead-lettered with the
    reason, for a return never authorized, another FC's, or more than authorized), recorded once
    and announced as ReturnReceiptAccepted, from which inventory puts the units back in stock. A
    report of a return recorded already (re-sent under another event id) changes nothing. An order
    whose every shipped unit came back is RETURNED."""
    for command in commands:
        authorized = await uow.returns.get(command.return_id)
        if authorized is not None and authorized.received is not None:
            log.info("return reported already; ignored", return_id=command.return_id)
            continue
        check_report(authorized, command.return_id, command.fulfillment_center_id, command.received)
        assert authorized is not None  # check_report refuses a return never authorized
        found = await uow.orders.get(authorized.order_id, lock=True)
        order_id = await uow.returns.mark_received(
            command.return_id, command.received, command.cause.id
        )
        if found is None or order_id is None:
            log.info("return reported already; ignored", return_id=command.return_id)
            continue
        uow.emit(
            ReturnReceiptAccepted(
                return_id=command.return_id,
                order_id=order_id,
                fulfillment_center_id=authorized.fulfillment_center_id,
                lines=[
                    ReturnedLine(fnsku=f, quantity=q, condition=ReturnCondition(c))
                    for f, q, c in command.received
                ],
                received_at=command.received_at,
            ),
            caused_by=command.cause,
        )
        _, status = found
        if status is OrderStatus.SHIPPED and every_shipped_unit_back(
            await uow.fulfillment_orders.of_order(order_id), await uow.returns.of_order(order_id)
        ):
            await uow.orders.set_statuses({order_id: OrderStatus.RETURNED})
            log.info("every shipped unit returned", order_id=order_id)
