"""The Alembic history builds exactly the tables the code reads and writes, and brings existing
sellers' tokens over to credentials."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from registration.adapters.tables import metadata
from stockpath_runtime.db import async_url

pytestmark = pytest.mark.integration


def test_the_migrated_schema_matches_the_table_definitions(database):
    engine = sa.create_engine(async_url(database))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    # The runtime's outbox and inbox are defined (and compared) by the runtime.
                    "include_name": lambda name, type_, parent: (
                        type_ != "table" or name in metadata.tables
                    ),
                    "compare_type": True,
                },
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_an_existing_sellers_token_becomes_a_seller_credential_announced_to_every_service(
    fresh_database, settings
):
    from alembic import command

    from registration.bootstrap import SERVICE, create_api
    from stockpath_events import decode
    from stockpath_runtime.credentials import secret_sha256
    from stockpath_runtime.db import credentials, outbox
    from stockpath_runtime.migrations import alembic_config, upgrade
    from stockpath_runtime.unit_of_work import headers_from_row

    url = fresh_database("registration", migrate=False)
    upgrade(SERVICE.migrations, url, "0003")
    old_token = secrets.token_urlsafe(
        32
    )  # as registration made a seller's token before credentials
    engine = sa.create_engine(async_url(url))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO sellers (seller_id, name, token_sha256) VALUES ('SOLDSELLER1', 'Old', :d)"
            ),
            {"d": hashlib.sha256(old_token.encode()).hexdigest()},
        )

    upgrade(SERVICE.migrations, url)

    with engine.connect() as conn:
        (credential,) = conn.execute(sa.select(credentials)).all()
        (event,) = conn.execute(sa.select(outbox)).all()
    assert (credential.kind, credential.subject) == ("seller", "SOLDSELLER1")
    assert credential.secret_sha256 == secret_sha256(old_token)
    assert abs(credential.expires_at - (datetime.now(UTC) + timedelta(days=90))) < timedelta(
        minutes=5
    )
    announced = decode(event.value, headers_from_row(event.headers))
    assert (
        announced.data.credential_id == credential.credential_id
        and announced.source == "/services/registration"
    )
    assert announced.data.secret_sha256 == credential.secret_sha256
    with TestClient(create_api(settings.model_copy(update={"database_url": url}))) as c:
        me = c.get(
            "/v1/sellers/me",
            headers={"Authorization": f"Bearer sp_{credential.credential_id}_{old_token}"},
        )
        assert me.status_code == 200 and me.json() == {"seller_id": "SOLDSELLER1", "name": "Old"}
        assert (
            c.get("/v1/sellers/me", headers={"Authorization": f"Bearer {old_token}"}).status_code
            == 401
        )

    command.downgrade(alembic_config(SERVICE.migrations, url), "0003")
    with engine.connect() as conn:
        restored = conn.execute(sa.text("SELECT token_sha256 FROM sellers")).scalar_one()
    engine.dispose()
    assert restored == hashlib.sha256(old_token.encode()).hexdigest()
