"""``stockpath-events generate`` / ``check`` against a scratch directory (never the repo's files)."""

from __future__ import annotations

import json

from stockpath_events.__main__ import main
from stockpath_events.artifacts import ASYNCAPI_FILE, SCHEMAS_DIR, default_root

ORDER_PLACED = "stockpath.orders.OrderPlaced.v1.json"


def test_default_root_is_libs_events_whatever_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    root = default_root()

    assert (root / "pyproject.toml").is_file()
    assert root.name == "events" and root.parent.name == "libs"


def test_generate_then_check(tmp_path, capsys):
    assert main(["check", "--dir", str(tmp_path)]) == 1  # nothing generated yet

    assert main(["generate", "--dir", str(tmp_path)]) == 0

    assert (tmp_path / ASYNCAPI_FILE).read_text().endswith("\n")
    assert (tmp_path / SCHEMAS_DIR / ORDER_PLACED).is_file()
    assert main(["check", "--dir", str(tmp_path)]) == 0
    assert main(["generate", "--dir", str(tmp_path)]) == 0
    assert "0 written" in capsys.readouterr().out


def test_check_fails_on_a_hand_edited_file(tmp_path, capsys):
    main(["generate", "--dir", str(tmp_path)])
    asyncapi = tmp_path / ASYNCAPI_FILE
    asyncapi.write_text(asyncapi.read_text() + " ")

    assert main(["check", "--dir", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["generate", "--dir", str(tmp_path)]) == 0
    assert main(["check", "--dir", str(tmp_path)]) == 0


def test_generate_refuses_a_breaking_change(tmp_path, capsys):
    main(["generate", "--dir", str(tmp_path)])
    # Pretend the committed v1 had a field the model no longer has: the model "removed" it.
    path = tmp_path / SCHEMAS_DIR / ORDER_PLACED
    schema = json.loads(path.read_text())
    schema["properties"]["coupon"] = {"type": "string"}
    schema["required"].append("coupon")
    edited = json.dumps(schema)
    path.write_text(edited)

    assert main(["generate", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "OrderPlaced: property 'coupon' removed" in err
    assert path.read_text() == edited, "nothing is overwritten"
    assert main(["check", "--dir", str(tmp_path)]) == 1


def test_a_schema_of_an_unregistered_type_is_breaking(tmp_path, capsys):
    main(["generate", "--dir", str(tmp_path)])
    (tmp_path / SCHEMAS_DIR / "stockpath.orders.OrderAmended.v1.json").write_text("{}\n")

    assert main(["check", "--dir", str(tmp_path)]) == 1
    assert "no longer registered" in capsys.readouterr().err
