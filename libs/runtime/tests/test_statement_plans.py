"""A service's statements are planned for the values they run with, not by a plan cached while the
tables were empty: a worker starts on an empty store (a new install, a replay into a rebuilt one)
and keeps its connections while the tables grow (`db.create_engine`)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

# The shape of every set-based update: a batch's keys as arrays, joined with unnest.
_RESOLVE = sa.text(
    """
    UPDATE plan_lines AS l SET fnsku = r.fnsku
      FROM unnest(CAST(:order_ids AS text[]), CAST(:fnskus AS text[])) AS r(order_id, fnsku)
     WHERE l.order_id = ANY(CAST(:order_ids AS text[])) AND l.order_id = r.order_id
    """
)


def _batch(first: int, size: int) -> dict:
    return {
        "order_ids": [f"o{n}" for n in range(first, first + size)],
        "fnskus": [f"X{n}" for n in range(first, first + size)],
    }


async def test_a_statement_planned_while_the_table_was_small_reads_by_index_once_it_has_grown(
    engine,
):
    async with engine.connect() as conn:
        await conn.execute(
            sa.text(
                "CREATE TEMPORARY TABLE plan_lines (order_id text, line_no int, fnsku text,"
                " PRIMARY KEY (order_id, line_no))"
            )
        )
        # The table as autovacuum last saw it: small (its statistics are not refreshed again here).
        await conn.execute(
            sa.text(
                "INSERT INTO plan_lines SELECT 'o' || g, 1, NULL FROM generate_series(1, 100) g"
            )
        )
        await conn.execute(sa.text("ANALYZE plan_lines"))
        # More executions than psycopg needs to prepare the text and PostgreSQL to consider a
        # generic plan for it, all while the table is small.
        for n in range(20):
            await conn.execute(_RESOLVE, _batch(n * 5, 5))
        await conn.execute(
            sa.text(
                "INSERT INTO plan_lines SELECT 'o' || g, 1, NULL FROM generate_series(101, 200000) g"
            )
        )
        batch = _batch(150_000, 200)
        result = await conn.execute(_RESOLVE, batch)
        assert result.rowcount == 200

        prepared = (
            await conn.execute(
                sa.text(
                    "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%UPDATE plan_lines%'"
                )
            )
        ).one()
        assert prepared.generic_plans == 0, "a plan made for the small table was reused"
        assert prepared.custom_plans > 0

        # What the prepared statement runs now, with this batch: the primary key's index, not a
        # scan of 200,000 rows comparing each with every id of the batch.
        # (A utility statement takes no parameters: the batch goes in as literals of our own.)
        ids, fnskus = ("'{" + ",".join(batch[k]) + "}'::text[]" for k in ("order_ids", "fnskus"))
        plan = "\n".join(
            row[0]
            for row in await conn.execute(
                sa.text(f"EXPLAIN EXECUTE {prepared.name}({ids}, {fnskus})")
            )
        )
        assert "plan_lines_pkey" in plan and "Seq Scan on plan_lines" not in plan, plan
        await conn.rollback()


async def test_a_batch_of_keys_is_read_by_index_probes_not_by_scanning_a_table_in_memory(engine):
    """Locking a batch's stock levels (inventory's statement, on a table of 25,000 levels with its
    statistics): 100 index probes, not a hash join over all 25,000 rows."""
    async with engine.connect() as conn:
        await conn.execute(
            sa.text(
                "CREATE TEMPORARY TABLE plan_levels (fnsku text, fc text, fulfillable int,"
                " PRIMARY KEY (fnsku, fc))"
            )
        )
        await conn.execute(
            sa.text(
                "INSERT INTO plan_levels SELECT 'X' || g, 'FC' || f, 5"
                " FROM generate_series(1, 5000) g, generate_series(1, 5) f"
            )
        )
        await conn.execute(sa.text("ANALYZE plan_levels"))
        fnskus = "{" + ",".join(f"X{n * 37 % 5000 + 1}" for n in range(100)) + "}"
        fcs = "{" + ",".join(f"FC{n % 5 + 1}" for n in range(100)) + "}"
        plan = "\n".join(
            row[0]
            for row in await conn.execute(
                sa.text(
                    "EXPLAIN SELECT l.* FROM plan_levels AS l"
                    f" JOIN unnest('{fnskus}'::text[], '{fcs}'::text[]) AS k(fnsku, fc)"
                    " ON l.fnsku = k.fnsku AND l.fc = k.fc ORDER BY l.fnsku, l.fc FOR UPDATE OF l"
                )
            )
        )
        assert "Index Scan using plan_levels_pkey" in plan and "Seq Scan" not in plan, plan
        await conn.rollback()


async def test_options_given_in_the_database_url_are_kept(probe_database):
    from stockpath_runtime.db import create_engine

    separator = "&" if "?" in probe_database else "?"
    engine = create_engine(f"{probe_database}{separator}options=-c%20work_mem%3D7MB")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(sa.text("SHOW work_mem"))).scalar() == "7MB"
            assert (
                await conn.execute(sa.text("SHOW plan_cache_mode"))
            ).scalar() == "force_custom_plan"
            assert (await conn.execute(sa.text("SHOW random_page_cost"))).scalar() == "1.1"
    finally:
        await engine.dispose()
