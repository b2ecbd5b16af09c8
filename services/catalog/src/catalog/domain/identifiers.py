"""Product identifiers (UPC-A, EAN-13, ISBN-10/13, GTIN-14) and their check digits.

A seller types or scans an identifier; we normalise it (digits only, ISBN-10 'X' kept) and
reject it with a precise reason when its length or check digit is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class InvalidIdentifier(ValueError):
    pass


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits of `body` (UPC, EAN, GTIN, ISBN-13)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def isbn10_check_digit(body: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


@dataclass(frozen=True)
class Identifier:
    kind: str  # upc | ean | isbn | gtin
    value: str


def normalise(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw).upper()


def parse(raw: str) -> Identifier:
    """Classify and validate an identifier; raises InvalidIdentifier with the reason."""
    value = normalise(raw)
    if not value:
        raise InvalidIdentifier("identifier is empty")
    if len(value) == 10 and re.fullmatch(r"\d{9}[\dX]", value):
        if isbn10_check_digit(value[:9]) != value[9]:
            raise InvalidIdentifier(
                f"ISBN-10 {value} has a wrong check digit (expected {isbn10_check_digit(value[:9])})"
            )
        return Identifier("isbn", value)
    if not value.isdigit():
        raise InvalidIdentifier(
            f"identifier {raw!r} must be 8, 12, 13 or 14 digits (or an ISBN-10)"
        )
    kind = {8: "ean", 12: "upc", 13: "ean", 14: "gtin"}.get(len(value))
    if kind is None:
        raise InvalidIdentifier(
            f"identifier {raw!r} has {len(value)} digits; UPC has 12, EAN 13, GTIN 14"
        )
    expected = gs1_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise InvalidIdentifier(
            f"{kind.upper()} {value} has a wrong check digit (expected {expected})"
        )
    if kind == "ean" and value.startswith(("978", "979")):
        kind = "isbn"
    return Identifier(kind, value)


def lookup_keys(raw: str) -> list[str]:
    """Every stored form an identifier can match: a UPC is also the EAN-13 '0'+UPC and the GTIN-14 '00'+UPC."""
    ident = parse(raw)
    v = ident.value
    if ident.kind == "isbn" and len(v) == 10:
        body = "978" + v[:9]
        return [v, body + str(gs1_check_digit(body))]
    digits = v.lstrip("0") or "0"
    return sorted({digits.zfill(n) for n in (12, 13, 14) if len(digits) <= n} | {v})
