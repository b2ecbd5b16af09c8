import json

import pytest

from stockpath_network import DEFAULT_NETWORK, _load, distance_to, get, locate, network


def test_the_default_network_has_unique_ids_and_addresses():
    ids = [fc.fulfillment_center_id for fc in DEFAULT_NETWORK]
    assert len(ids) == len(set(ids)) >= 12
    assert get("SEA1").address.city == "Kent"
    # The ids the tests, the seed, the FC simulator and the demo use are still there.
    assert {"SEA1", "PHX3", "DFW7", "CMH2", "EWR4"} <= set(ids)


def test_every_fc_of_the_network_stands_where_its_zip_code_is():
    # A typo in a latitude or a ZIP would send orders to the wrong FC: each FC's coordinates are
    # within 25 km of its address's ZIP code, and every FC is in the continental US.
    for fc in DEFAULT_NETWORK:
        assert distance_to(fc, fc.address.postal_code) < 25, fc.fulfillment_center_id
        assert 24 < fc.latitude < 50 and -125 < fc.longitude < -66, fc.fulfillment_center_id


def test_seattle_is_nearer_to_a_seattle_buyer_than_any_other_fc():
    nearest = min(DEFAULT_NETWORK, key=lambda fc: distance_to(fc, "98101"))
    assert nearest.fulfillment_center_id == "SEA1"
    assert distance_to(get("SEA1"), "98101") < 40
    assert distance_to(get("SEA1"), "not-a-zip") == float("inf")


def test_zip_codes_are_located_from_the_shipped_dataset():
    lat, lon = locate("98101")
    assert 47.5 < lat < 47.7 and -122.4 < lon < -122.2
    assert locate("98101-1234") == locate("98101")
    assert locate("00000") is None  # five digits, but no such ZIP
    assert locate("SW1A 1AA") is None
    # A German postcode looks like a ZIP; the country says it is not one.
    assert locate("10115", "DE") is None
    assert locate("10115") is not None  # New York


def test_a_network_file_replaces_the_default(tmp_path, monkeypatch):
    path = tmp_path / "network.json"
    fc = DEFAULT_NETWORK[0].model_dump(mode="json") | {"fulfillment_center_id": "TST1"}
    path.write_text(json.dumps([fc]))
    _load.cache_clear()
    monkeypatch.setenv("STOCKPATH_FC_NETWORK", str(path))
    assert [f.fulfillment_center_id for f in network()] == ["TST1"]
    assert network()[0].cut_off == DEFAULT_NETWORK[0].cut_off


def test_a_network_file_with_a_bad_time_zone_or_day_is_refused(tmp_path):
    fc = DEFAULT_NETWORK[0].model_dump(mode="json")
    for bad in ({"time_zone": "Mars/Olympus"}, {"working_days": ["funday"]}):
        path = tmp_path / "network.json"
        path.write_text(json.dumps([fc | bad]))
        with pytest.raises(ValueError):
            _load(str(path))
        _load.cache_clear()
