"""The identifiers registration hands out have the documented formats and do not repeat."""

from registration.domain import identifiers


def test_ids_have_their_documented_formats():
    for _ in range(200):
        assert identifiers.SELLER_ID.match(identifiers.new_seller_id())
        assert identifiers.FNSKU.match(identifiers.new_fnsku())
        assert identifiers.SHIPMENT_ID.match(identifiers.new_shipment_id())
        assert identifiers.REGISTRATION_ID.match(identifiers.new_registration_id())


def test_fnskus_are_ten_characters_starting_x00():
    fnsku = identifiers.new_fnsku()
    assert len(fnsku) == 10 and fnsku.startswith("X00") and fnsku == fnsku.upper()


def test_fresh_ids_do_not_repeat():
    assert len({identifiers.new_fnsku() for _ in range(5000)}) == 5000
