"""Why registration refuses what a seller asked: each error names what the seller can fix.

The HTTP API answers each with its status and code (``entrypoints/http.py``'s ERRORS); the
console shows the same message on its pages. The refusals of a model's own rules live beside
the model (`RegistrationNotActive`, `InvalidShipmentTransition`, `NoFulfillmentCenterCanTake`).
"""

from __future__ import annotations


class RequestIdReused(Exception):
    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"request_id {request_id!r} was already used for a different set of items; "
            "use a new request_id for a new request"
        )
        self.request_id = request_id


class UnknownSellerSkus(Exception):
    def __init__(self, seller_skus: list[str]) -> None:
        super().__init__(
            f"seller SKU(s) {', '.join(seller_skus)} are not registered items of this seller; "
            "register them before planning an inbound shipment"
        )
        self.seller_skus = seller_skus


class NothingToChange(Exception):
    """A change of a registration that names neither a price nor channels."""

    def __init__(self) -> None:
        super().__init__("send a new price, new channels or both")


class RegistrationNotFound(Exception):
    def __init__(self, fnsku: str) -> None:
        super().__init__(f"registration {fnsku} does not exist")
        self.fnsku = fnsku


class ShipmentNotFound(Exception):
    def __init__(self, shipment_id: str) -> None:
        super().__init__(f"inbound shipment {shipment_id} does not exist")
        self.shipment_id = shipment_id


class PlanNotFound(Exception):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"inbound plan {plan_id} does not exist")
        self.plan_id = plan_id


class TooManyLabels(Exception):
    """More unit labels than one PDF prints (`most`): the seller prints one label per line instead."""

    def __init__(self, units: int, most: int) -> None:
        super().__init__(
            f"this shipment has {units} units; one PDF prints at most {most} unit labels: "
            "ask for item_labels=per_line and print each line's label as many times as its count"
        )
        self.units = units


class SellerNotFound(Exception):
    def __init__(self, seller_id: str) -> None:
        super().__init__(f"seller {seller_id} does not exist")
        self.seller_id = seller_id


class CredentialNotFound(Exception):
    def __init__(self, credential_id: str) -> None:
        super().__init__(f"credential {credential_id} does not exist")
        self.credential_id = credential_id


class CredentialAlreadyRevoked(Exception):
    """A revoked credential is not rotated: it would give back access someone took away."""

    def __init__(self, credential_id: str) -> None:
        super().__init__(
            f"credential {credential_id} is revoked; issue a new credential instead of rotating it"
        )
        self.credential_id = credential_id


class UnknownSubject(Exception):
    """A credential for an actor the platform does not know (a seller or an FC that does not exist)."""

    def __init__(self, kind: str, subject: str, known: str) -> None:
        super().__init__(f"no {kind} {subject} exists; {known}")
        self.kind = kind
        self.subject = subject
