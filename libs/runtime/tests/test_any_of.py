"""`db.any_of`: ``column = ANY(:array)``, one statement text whatever the number of keys, and two
in one statement keep their own values."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from stockpath_runtime.db import any_of

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

things = sa.Table(
    "any_of_things",
    sa.MetaData(),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    prefixes=["TEMPORARY"],
)


async def test_one_statement_text_whatever_the_number_of_keys_and_each_any_of_its_own_values(
    engine,
):
    sent: list[str] = []
    sa.event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: things.create(sync))
        await conn.execute(
            things.insert(),
            [{"id": f"t{n}", "kind": "odd" if n % 2 else "even"} for n in range(60)],
        )

        async def ids(keys: list[str], kinds: list[str]) -> list[str]:
            rows = await conn.execute(
                sa.select(things.c.id)
                .where(things.c.id == any_of(keys), things.c.kind == any_of(kinds))
                .order_by(things.c.id)
            )
            return [r.id for r in rows]

        assert await ids(["t1"], ["odd"]) == ["t1"]
        assert await ids([f"t{n}" for n in range(50)], ["even"]) == sorted(
            f"t{n}" for n in range(0, 50, 2)
        )
        assert await ids([], ["odd"]) == []
        await conn.rollback()
    selects = [s for s in sent if "FROM any_of_things" in s]
    assert len(selects) == 3 and len(set(selects)) == 1, selects
