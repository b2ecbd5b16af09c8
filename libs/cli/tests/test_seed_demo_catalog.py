"""`stockpath seed` finds the demo catalog through the ``stockpath.demo`` entry point, as it finds
the services, and says clearly when no installed package provides one (no service is contacted)."""

from __future__ import annotations

from typer.testing import CliRunner

from stockpath_cli import seed
from stockpath_cli.main import app


def test_the_demo_catalog_is_the_one_the_catalog_package_provides():
    generate = seed.demo_catalog_generator()

    items = generate(3)

    assert len(items) == 3
    assert items == generate(3), (
        "the demo catalog is deterministic, so seeding twice changes nothing"
    )


def test_seed_without_a_demo_catalog_installed_fails_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(seed, "entry_points", lambda **selection: ())

    result = CliRunner().invoke(app, ["seed", "--items", "1"], env={"COLUMNS": "250"})

    assert result.exit_code == 1
    assert "no installed package provides the demo catalog" in result.output
    assert "stockpath.demo" in result.output
