"""The load benchmark's arithmetic (scripts/bench_orders_*.py): messages per order line from two
readings of the broker's offsets, CPU per line, and the pass-through rate from record timestamps."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from aiokafka.structs import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from bench_orders_counts import Offsets, behind, counts_table, message_counts  # noqa: E402
from bench_orders_load import passthrough_rate  # noqa: E402
from bench_orders_report import DRIVER, cpu_ms_per_line  # noqa: E402

ORDERS_0, ORDERS_1 = TopicPartition("orders", 0), TopicPartition("orders", 1)
LEVELS_0 = TopicPartition("inventory.events", 0)
QUIET = TopicPartition("catalog.events", 0)


def test_produced_is_the_growth_of_end_offsets_by_topic_and_consumed_that_of_committed_offsets_by_group():
    before = Offsets(
        ends={ORDERS_0: 100, ORDERS_1: 50, LEVELS_0: 10, QUIET: 7},
        committed={
            "router": {ORDERS_0: 100, ORDERS_1: 50, LEVELS_0: 10},
            "listing": {LEVELS_0: 10},
            "idle": {QUIET: 7},
        },
    )
    after = Offsets(
        ends={ORDERS_0: 130, ORDERS_1: 70, LEVELS_0: 40, QUIET: 7},
        committed={
            "router": {ORDERS_0: 130, ORDERS_1: 70, LEVELS_0: 40},
            # inventory committed orders' partition 0 for the first time during the phase: it
            # had caught up before, so it read from where that partition ended then.
            "inventory": {ORDERS_0: 130},
            "listing": {LEVELS_0: 40},
            "idle": {QUIET: 7},
        },
    )

    counts = message_counts(before, after, lines=25)

    assert counts["produced"] == {"inventory.events": 30, "orders": 50}
    assert counts["consumed"] == {"inventory": 30, "listing": 30, "router": 80}
    assert counts["produced total"] == 80 and counts["consumed total"] == 140
    assert counts["produced per line"] == 3.2 and counts["consumed per line"] == 5.6
    table = counts_table(counts)
    assert "orders" in table and "router" in table and "idle" not in table
    assert "5.60 per line" in table


def test_no_lines_gives_no_per_line_figure():
    counts = message_counts(Offsets(), Offsets(), lines=0)
    assert counts["produced per line"] is None and counts["consumed per line"] is None
    assert "per line" not in counts_table(counts)


def test_behind_counts_what_the_given_groups_have_not_committed():
    offsets = Offsets(
        ends={ORDERS_0: 130, LEVELS_0: 40},
        committed={"router": {ORDERS_0: 120, LEVELS_0: 40}, "watcher": {ORDERS_0: 0}},
    )
    assert behind(offsets, ["router"]) == 10
    assert behind(offsets, ["listing"]) == 0


def test_cpu_per_line_counts_every_platform_process_but_not_the_driver():
    used = {"broker (Tansu)": 1.0, "order-router worker": 2.0, "PostgreSQL (its backends)": 0.5}
    assert cpu_ms_per_line({**used, DRIVER: 4.0}, lines=1000) == 3.5
    assert cpu_ms_per_line(used, lines=0) is None


def test_pass_through_rate_is_taken_from_the_records_timestamps():
    assert passthrough_rate(1001, 1_000, 1_500) == 2000
    assert math.isnan(passthrough_rate(500, 1_000, 1_000))
    assert math.isnan(passthrough_rate(0, None, None))


def test_projection_scales_the_measured_cpu_per_line_to_more_cores():
    from bench_orders_projection import project

    # 1,000 lines used 1 core-s in all: 1 ms per line, so n cores carry n × 1,000 lines/s.
    used = {
        "order-router worker": 0.4,
        "inventory worker": 0.1,
        "broker (Tansu)": 0.2,
        "PostgreSQL (its backends)": 0.3,
        DRIVER: 5.0,  # not the platform's
    }
    [eight, thirty_two] = project(
        used, {"order_router": 0.2, "inventory": 0.1}, lines=1000, cores=(8, 32)
    )
    assert eight["lines/s"] == 8000 and thirty_two["lines/s"] == 32000
    # The router needs 0.4 ms × 8,000/s = 3.2 cores: 4 workers at 0.8; partitions for the largest group.
    assert eight["workers"] == {"order-router": 4, "inventory": 1}
    assert eight["partitions"] == 6
    assert thirty_two["workers"]["order-router"] == 16 and thirty_two["partitions"] == 18
    assert eight["database cores"] == {"order_router": 1.6, "inventory": 0.8}
    assert eight["broker cores"] == 1.6
    assert thirty_two["limit"] == "the order_router database: 6.4 cores on one primary"
