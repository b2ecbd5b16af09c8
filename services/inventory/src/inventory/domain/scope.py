"""Whose stock a caller may see and act on: one seller's, one fulfillment center's, or anyone's.

The HTTP edge makes a `Scope` of the caller's credential (a seller: its own stock; an FC: its own
FC's rows and the shipments bound for it; the operator: everything); the handlers and views keep
to it. Another party's ids read as not found (`NotVisible`, `UnknownShipment`), and an FC naming
another FC as the one it acts for is refused (`ActsForAnotherCenter`).
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.errors import InventoryError


class NotVisible(InventoryError):
    """A read names another party's seller or FC: as if there were nothing of it."""

    def __init__(self, party: str, party_id: str) -> None:
        super().__init__(f"{party} {party_id} not found")
        self.party = party
        self.party_id = party_id


class ActsForAnotherCenter(InventoryError):
    """An FC named another FC as the one where it receives, closes or adjusts."""

    def __init__(self, acting: str, named: str) -> None:
        super().__init__(
            f"you are signed in as fulfillment center {acting}: you may record receipts, close shipments and "
            f"adjust stock only at {acting}, not at {named}"
        )
        self.acting = acting
        self.fulfillment_center_id = named


@dataclass(frozen=True)
class Scope:
    """What a caller may see: None is not narrowed (the operator's scope narrows nothing)."""

    seller_id: str | None = None
    fulfillment_center_id: str | None = None

    def sees(self, seller_id: str, fulfillment_center_id: str) -> bool:
        """Whether stock, a shipment or a discrepancy of this seller at this FC is the caller's to see."""
        return self.seller_id in (None, seller_id) and self.fulfillment_center_id in (
            None,
            fulfillment_center_id,
        )

    def narrow(
        self, *, seller_id: str | None, fulfillment_center_id: str | None
    ) -> tuple[str | None, str | None]:
        """The (seller, FC) filters of a read that asked for these: the caller's own party wherever
        it is scoped; `NotVisible` when the read names another."""
        for mine, asked, party in (
            (self.seller_id, seller_id, "seller"),
            (self.fulfillment_center_id, fulfillment_center_id, "fulfillment center"),
        ):
            if mine is not None and asked and asked != mine:
                raise NotVisible(party, asked)
        return seller_id or self.seller_id, fulfillment_center_id or self.fulfillment_center_id

    def acts_at(self, fulfillment_center_id: str) -> None:
        """Refuse an FC's write that names another FC as the one it acts for."""
        if (
            self.fulfillment_center_id is not None
            and fulfillment_center_id != self.fulfillment_center_id
        ):
            raise ActsForAnotherCenter(self.fulfillment_center_id, fulfillment_center_id)


#: The operator's scope: every seller, every FC.
EVERYTHING = Scope()
