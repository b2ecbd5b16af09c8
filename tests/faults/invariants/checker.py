"""`Checker`: reads every service's store and the topics, and runs the check of each guarantee."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from . import after_sale
from .effects import no_duplicate_effect, no_oversell
from .guarantees import SERVICES, Result
from .messages import no_dual_write, poison_only_in_dlq
from .orders import no_lost_order, order_per_key
from .topic_log import TopicLog


class Checker:
    """The verdict on every guarantee, from what the topics and the databases hold now."""

    def __init__(self, log: TopicLog, database_urls: dict[str, str], sent) -> None:
        self.log = log
        self.sent = sent
        self.engines = {
            name: sa.create_engine(url, poolclass=sa.pool.NullPool)
            for name, url in database_urls.items()
        }

    def close(self) -> None:
        for e in self.engines.values():
            e.dispose()

    def _rows(self, service: str, sql: str) -> list:
        with self.engines[service].connect() as conn:
            return list(conn.execute(sa.text(sql)))

    async def check(self) -> dict[str, Result]:
        await self.log.read()
        db = await asyncio.to_thread(self._load_databases)
        return {
            "N": no_lost_order(self.log, self.sent, db),
            "D": no_duplicate_effect(self.log, self.sent, db),
            "S": no_oversell(self.log, db),
            "A": no_dual_write(self.log, db),
            "P": poison_only_in_dlq(self.log, self.sent),
            "O": order_per_key(self.log, db),
        }

    # --- the stores ---------------------------------------------------------------------------
    def _load_databases(self) -> dict:
        db = {}
        db["outbox"] = {
            s: self._rows(
                s,
                "SELECT id, event_id, event_type, topic, published_at IS NOT NULL AS published FROM outbox",
            )
            for s in SERVICES
        }
        db["orders"] = {
            r.order_id: r.status
            for r in self._rows("order-router", "SELECT order_id, status FROM orders")
        }
        db["router_fos"] = self._rows(
            "order-router",
            "SELECT fulfillment_order_id, order_id, fulfillment_center_id, status FROM fulfillment_orders",
        )
        db["router_allocated"] = self._rows(
            "order-router",
            "SELECT l.fnsku, f.fulfillment_center_id AS fc, SUM(l.quantity) AS q FROM fulfillment_order_lines l "
            "JOIN fulfillment_orders f USING (fulfillment_order_id) WHERE f.status <> 'CANCELLED' "
            "GROUP BY l.fnsku, f.fulfillment_center_id",
        )
        db["availability"] = self._rows(
            "order-router",
            "SELECT fnsku, fulfillment_center_id AS fc, basis, reservations_total FROM availability",
        )
        db["receipt_lines"] = self._rows(
            "inventory",
            "SELECT r.receipt_id, r.fulfillment_center_id AS fc, l.fnsku, l.quantity_received AS received "
            "FROM receipts r JOIN receipt_lines l USING (receipt_id)",
        )
        db["ledger_by_receipt"] = {
            (r.receipt_id, r.fnsku): r.q
            for r in self._rows(
                "inventory",
                "SELECT receipt_id, fnsku, SUM(delta) AS q FROM inventory_ledger WHERE receipt_id IS NOT NULL "
                "AND bucket = 'fulfillable' AND reason = 'received' GROUP BY receipt_id, fnsku",
            )
        }
        db["inv_fos"] = self._rows(
            "inventory",
            "SELECT f.fulfillment_order_id, COALESCE(SUM(s.quantity_reserved), 0) AS reserved FROM fulfillment_orders f "
            "LEFT JOIN fulfillment_order_stock s USING (fulfillment_order_id) GROUP BY f.fulfillment_order_id",
        )
        db["reserved_moves"] = {
            r.fulfillment_order_id: (r.q, r.n)
            for r in self._rows(
                "inventory",
                # What an instruction reserved, less what one FC exception took out of reserved again.
                "SELECT fulfillment_order_id, SUM(delta) AS q, "
                "COUNT(DISTINCT cause_event_id) FILTER (WHERE reason = 'reserved-for-order') AS n FROM inventory_ledger "
                "WHERE reason IN ('reserved-for-order', 'fc-exception-short-pick', 'fc-exception-damaged', "
                "'fc-exception-not-filled') AND bucket = 'reserved' GROUP BY fulfillment_order_id",
            )
        }
        db["exception_causes"] = {
            r.fulfillment_order_id: r.n
            for r in self._rows(
                "inventory",
                "SELECT fulfillment_order_id, COUNT(DISTINCT cause_event_id) AS n FROM inventory_ledger "
                "WHERE reason LIKE 'fc-exception-%' GROUP BY fulfillment_order_id",
            )
        }
        db["levels"] = self._rows(
            "inventory",
            "SELECT fnsku, fulfillment_center_id AS fc, inbound, fulfillable, reserved, unfulfillable, shipped "
            "FROM inventory_levels",
        )
        db["ledger_sums"] = self._rows(
            "inventory",
            "SELECT fnsku, fulfillment_center_id AS fc, bucket, SUM(delta) AS q FROM inventory_ledger "
            "GROUP BY fnsku, fulfillment_center_id, bucket",
        )
        db["listings"] = {
            r.listing_id for r in self._rows("listing", "SELECT listing_id FROM listings")
        }
        db.update(after_sale.load(self._rows))
        return db
