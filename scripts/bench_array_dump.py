"""How long psycopg takes to dump the list parameters of a set-based statement, text format
against binary, per element (what `stockpath_runtime.db.create_engine` chose binary for):

    uv run python scripts/bench_array_dump.py

The elements are shaped like the outbox's rows a worker writes per event (CloudEvents headers as
JSON, the event's bytes) and the ids and counts of the other set-based statements."""

from __future__ import annotations

import json
import time
import uuid

from psycopg.adapt import PyFormat, Transformer

ROWS = 500


def columns() -> dict[str, list]:
    headers = [
        json.dumps(
            [
                ["ce_id", str(uuid.uuid4())],
                ["ce_type", "stockpath.inventory.InventoryLevelChanged.v1"],
                ["ce_source", "/services/inventory"],
                ["traceparent", f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"],
            ]
        )
        for _ in range(ROWS)
    ]
    values = [
        json.dumps({"fnsku": f"X00ABC{i:04}", "fulfillable": i, "reserved": 3}).encode()
        for i in range(ROWS)
    ]
    return {
        "JSON text (outbox headers)": headers,
        "bytes (outbox values)": values,
        "ids (text)": [str(uuid.uuid4()) for _ in range(ROWS)],
        "integers": list(range(ROWS)),
    }


def per_element_us(data: list, fmt: PyFormat, repeat: int = 200) -> float:
    dumper = Transformer().get_dumper(data, fmt)
    started = time.perf_counter()
    for _ in range(repeat):
        dumper.dump(data)
    return (time.perf_counter() - started) / repeat / len(data) * 1e6


def main() -> None:
    print(f"{'column':28} {'text µs/elem':>13} {'binary µs/elem':>15} {'ratio':>6}")
    for name, data in columns().items():
        text, binary = per_element_us(data, PyFormat.TEXT), per_element_us(data, PyFormat.BINARY)
        print(f"{name:28} {text:13.2f} {binary:15.2f} {text / binary:5.0f}×")


if __name__ == "__main__":
    main()
