import json

from stockpath_network import DEFAULT_NETWORK, _load, distance_to, get, network


def test_the_default_network_has_unique_ids_and_addresses():
    ids = [fc.fulfillment_center_id for fc in DEFAULT_NETWORK]
    assert len(ids) == len(set(ids)) >= 3
    assert get("SEA1").address.city == "Kent"


def test_seattle_is_nearer_to_a_washington_buyer_than_new_jersey():
    assert distance_to(get("SEA1"), "98101") < distance_to(get("EWR4"), "98101")
    assert distance_to(get("SEA1"), "not-a-zip") == float("inf")


def test_a_network_file_replaces_the_default(tmp_path, monkeypatch):
    path = tmp_path / "network.json"
    fc = DEFAULT_NETWORK[0].model_dump(mode="json") | {"fulfillment_center_id": "TST1"}
    path.write_text(json.dumps([fc]))
    _load.cache_clear()
    monkeypatch.setenv("STOCKPATH_FC_NETWORK", str(path))
    assert [f.fulfillment_center_id for f in network()] == ["TST1"]
