"""The committed JSON Schemas: current, compatible, and the guard that keeps them so."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from pydantic import Field

from stockpath_events import REGISTRY, Address, EventData
from stockpath_events.artifacts import SCHEMAS_DIR, default_root, plan
from stockpath_events.base import Money, Value
from stockpath_events.schema import breaking_changes, event_schema
from stockpath_events.types import orders

ROOT = default_root()
ORDER_PLACED = REGISTRY.for_model(orders.OrderPlaced)


def committed(ce_type: str) -> dict:
    return json.loads((ROOT / SCHEMAS_DIR / f"{ce_type}.json").read_text(encoding="utf-8"))


@pytest.fixture
def order_schema() -> dict:
    return copy.deepcopy(committed(ORDER_PLACED.type))


# --- the committed files ----------------------------------------------------------------------


def test_committed_files_are_what_the_generator_makes():
    result = plan(ROOT)

    assert result.breaking == []
    assert result.stale == []
    assert [p.name for p in result.outdated] == [], "run `uv run stockpath-events generate`"


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.name)
def test_committed_schema_is_compatible_with_the_model(spec):
    assert breaking_changes(committed(spec.type), event_schema(spec)) == []


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.name)
def test_schema_names_the_type_topic_and_key(spec):
    schema = event_schema(spec)

    assert schema["title"] == spec.type
    assert schema["$id"].endswith(spec.type)
    assert schema["x-stockpath"]["topic"] == spec.topic
    assert schema["x-stockpath"]["key"] == spec.key_field
    assert spec.key_field in schema["required"]


def test_schema_describes_the_wire_not_the_input():
    line = event_schema(ORDER_PLACED)["$defs"]["OrderLine"]

    assert line["properties"]["unit_price"]["type"] == "string"  # Money is written as "19.99"


def test_extension_headers_are_in_the_metadata():
    spec = next(s for s in REGISTRY if s.name == "FulfillmentInstructed")

    assert event_schema(spec)["x-stockpath"]["extensions"] == {
        "ce_fulfillmentcenter": "fulfillment_center_id"
    }


# --- breaking_changes on edited copies of a real schema -----------------------------------------


def test_identical_schemas_have_no_breaking_change(order_schema):
    assert breaking_changes(order_schema, copy.deepcopy(order_schema)) == []


def test_added_optional_property_is_fine(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["gift_message"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    new["$defs"]["OrderLine"]["properties"]["gift_wrap"] = {"type": "boolean", "default": False}

    assert breaking_changes(order_schema, new) == []


def test_documentation_changes_are_fine(order_schema):
    new = copy.deepcopy(order_schema)
    new["description"] = "Reworded."
    new["$defs"]["Address"]["properties"]["city"]["title"] = "Town"
    new["properties"]["currency"]["default"] = "EUR"

    assert breaking_changes(order_schema, new) == []


def test_added_enum_value_is_fine(order_schema):
    new = copy.deepcopy(order_schema)
    new["$defs"]["ShippingSpeed"]["enum"].append("same-day")

    assert breaking_changes(order_schema, new) == []


def test_removed_property(order_schema):
    new = copy.deepcopy(order_schema)
    del new["$defs"]["OrderLine"]["properties"]["unit_price"]
    new["$defs"]["OrderLine"]["required"].remove("unit_price")

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'lines[].unit_price' removed"
    ]


def test_renamed_property(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["sales_channel"] = new["properties"].pop("channel")
    new["required"] = ["sales_channel" if r == "channel" else r for r in new["required"]]

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'channel' removed (renamed to 'sales_channel'?)"
    ]


def test_type_changed_in_a_nested_array_item(order_schema):
    new = copy.deepcopy(order_schema)
    new["$defs"]["OrderLine"]["properties"]["quantity"] = {"type": "string"}

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'lines[].quantity' type changed from integer to string"
    ]


def test_type_changed_in_a_shared_definition(order_schema):
    new = copy.deepcopy(order_schema)
    new["$defs"]["Address"]["properties"]["postal_code"]["type"] = "integer"

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'ship_to.postal_code' type changed from string to integer"
    ]


def test_property_made_nullable(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["channel"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'channel' type changed from string to string | null"
    ]


def test_array_became_a_single_object(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["lines"] = {"$ref": "#/$defs/OrderLine"}

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'lines' type changed from array to object"
    ]


def test_optional_property_made_required(order_schema):
    new = copy.deepcopy(order_schema)
    new["required"].append("currency")

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'currency' changed from optional to required"
    ]


def test_new_required_property(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["buyer_id"] = {"type": "string"}
    new["required"].append("buyer_id")

    assert breaking_changes(order_schema, new) == ["OrderPlaced: new required property 'buyer_id'"]


def test_required_property_made_optional(order_schema):
    new = copy.deepcopy(order_schema)
    new["required"].remove("channel")

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'channel' is no longer required (old consumers rely on it)"
    ]


def test_enum_value_removed(order_schema):
    new = copy.deepcopy(order_schema)
    new["$defs"]["ShippingSpeed"]["enum"].remove("priority")

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'shipping_speed' no longer allows \"priority\""
    ]


def test_tightened_constraint(order_schema):
    new = copy.deepcopy(order_schema)
    new["properties"]["lines"]["maxItems"] = 10

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: property 'lines' constraint maxItems tightened from 100 to 10"
    ]


def test_topic_and_key_changes(order_schema):
    new = copy.deepcopy(order_schema)
    new["x-stockpath"] |= {"topic": "orders.v2", "key": "channel"}

    assert breaking_changes(order_schema, new) == [
        "OrderPlaced: topic changed from 'orders' to 'orders.v2'",
        "OrderPlaced: Kafka key field changed from 'order_id' to 'channel'",
    ]


def test_schemas_of_different_types_are_not_compared(order_schema):
    other = committed(next(s for s in REGISTRY if s.name == "OrderCancelled").type)

    with pytest.raises(ValueError, match="not the same event type"):
        breaking_changes(order_schema, other)


# --- breaking changes made in a model, the way an author would make them ---------------------


class _TextQuantityLine(orders.OrderLine):
    quantity: str


def _variant(**fields) -> dict:
    """The schema a changed OrderPlaced model would generate (same name, so same event type)."""
    namespace = {
        "__annotations__": {k: v[0] for k, v in fields.items()},
        **{k: v[1] for k, v in fields.items()},
    }
    model = type("OrderPlaced", (orders.OrderPlaced,), namespace)
    return event_schema(replace(ORDER_PLACED, model=model))


def test_breaking_model_change_is_reported(order_schema):
    problems = breaking_changes(
        order_schema, _variant(lines=(list[_TextQuantityLine], Field(min_length=1, max_length=100)))
    )

    assert problems == [
        "OrderPlaced: property 'lines[].quantity' type changed from integer to string"
    ]


def test_optional_field_made_required_in_the_model_is_reported(order_schema):
    problems = breaking_changes(order_schema, _variant(currency=(str, Field())))

    assert problems == ["OrderPlaced: property 'currency' changed from optional to required"]


def test_new_required_field_in_the_model_is_reported(order_schema):
    problems = breaking_changes(order_schema, _variant(gift_address=(Address, Field())))

    assert problems == ["OrderPlaced: new required property 'gift_address'"]


def test_additive_optional_field_in_the_model_is_fine(order_schema):
    assert (
        breaking_changes(
            order_schema, _variant(gift_message=(str | None, None), tip=(Money | None, None))
        )
        == []
    )


def test_a_new_event_model_is_compared_from_its_own_first_schema():
    class Parcel(Value):
        weight_g: int = Field(gt=0)

    class ParcelsWeighed(EventData):
        order_id: str
        parcels: list[Parcel]

    spec = replace(ORDER_PLACED, model=ParcelsWeighed)
    before = event_schema(spec)

    class Parcel(Value):  # noqa: F811 - the same model, edited
        weight_g: float = Field(gt=0)

    class ParcelsWeighed(EventData):
        order_id: str
        parcels: list[Parcel]

    after = event_schema(replace(spec, model=ParcelsWeighed))
    assert breaking_changes(before, after) == [
        "ParcelsWeighed: property 'parcels[].weight_g' type changed from integer to number"
    ]
