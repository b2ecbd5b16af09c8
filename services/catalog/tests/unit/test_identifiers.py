import pytest

from catalog.domain.identifiers import InvalidIdentifier, lookup_keys, parse


@pytest.mark.parametrize(
    "raw, kind, value",
    [
        ("036000291452", "upc", "036000291452"),
        ("4006381333931", "ean", "4006381333931"),
        ("978-0-306-40615-7", "isbn", "9780306406157"),
        ("0-306-40615-2", "isbn", "0306406152"),
        ("00036000291452", "gtin", "00036000291452"),
    ],
)
def test_valid_identifiers_are_classified_and_normalised(raw, kind, value):
    assert parse(raw).kind == kind and parse(raw).value == value


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("036000291453", "check digit"),
        ("978-0-306-40615-8", "check digit"),
        ("0-306-40615-3", "check digit"),
        ("12345", "5 digits"),
        ("ABC123456789", "must be"),
        ("", "empty"),
    ],
)
def test_invalid_identifiers_say_why(raw, reason):
    with pytest.raises(InvalidIdentifier, match=reason):
        parse(raw)


def test_a_upc_matches_its_ean_and_gtin_forms():
    assert set(lookup_keys("036000291452")) >= {"036000291452", "0036000291452", "00036000291452"}
    assert "9780306406157" in lookup_keys("0306406152")
