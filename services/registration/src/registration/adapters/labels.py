"""The printable labels of an inbound shipment, as one PDF (reportlab, with its Code 128 barcodes).

- **Item labels**, one per unit by default: every unit the FC receives is scanned on its own, so
  each needs its own FNSKU sticker, and a sheet with exactly as many labels as units lets the
  seller check nothing was forgotten. They are laid out 30 to a US Letter sheet (3 × 10 labels of
  2⅝" × 1", the common "address label" stock). Very large shipments would make a huge PDF, so
  above MAX_ITEM_LABELS units the seller prints one label per line (with its count) instead.
- **Box labels**, one per box, 4" × 6", each on its own page: the shipment id as a barcode
  (shipment id + "U" + the box number, so each box scans as itself), the FC's ship-to address
  in large type, the seller as sender, "box k of n" and the contents.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

#: Above this many units one PDF would run to hundreds of pages: print per line instead.
MAX_ITEM_LABELS = 3_000

_COLUMNS, _ROWS = 3, 10
_LABEL_W, _LABEL_H = 2.625 * inch, 1.0 * inch
_LEFT, _TOP, _GAP = 0.1875 * inch, 0.5 * inch, 0.125 * inch
#: Narrowest bar: 0.011" is above the 7.5 mil minimum FC scanners read reliably.
_BAR_WIDTH = 0.011 * inch


@dataclass(frozen=True)
class ItemLabel:
    fnsku: str
    title: str
    condition: str
    #: Printed as "× N" on a per-line label; 1 on a per-unit label.
    count: int = 1


@dataclass(frozen=True)
class BoxLabels:
    shipment_id: str
    fulfillment_center_id: str
    ship_to: dict
    seller_name: str
    boxes: int
    contents: Sequence[tuple[str, str, int]]  # (seller_sku, fnsku, quantity)


def box_barcode_value(shipment_id: str, box: int) -> str:
    return f"{shipment_id}U{box:06d}"


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with an ellipsis) to fit `width` in this font."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _item_label(canvas: Canvas, label: ItemLabel, x: float, y: float) -> None:
    barcode = Code128(label.fnsku, barWidth=_BAR_WIDTH, barHeight=0.42 * inch, humanReadable=False)
    barcode.drawOn(canvas, x + (_LABEL_W - barcode.width) / 2, y + 0.46 * inch)
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawCentredString(x + _LABEL_W / 2, y + 0.34 * inch, label.fnsku)
    canvas.setFont("Helvetica", 6.5)
    canvas.drawCentredString(
        x + _LABEL_W / 2,
        y + 0.22 * inch,
        _fit(canvas, label.title, "Helvetica", 6.5, _LABEL_W - 0.2 * inch),
    )
    suffix = f"   × {label.count} units" if label.count > 1 else ""
    canvas.drawCentredString(
        x + _LABEL_W / 2, y + 0.1 * inch, f"{label.condition.capitalize()}{suffix}"
    )


def _item_pages(canvas: Canvas, labels: Sequence[ItemLabel]) -> None:
    _, page_h = LETTER
    per_page = _COLUMNS * _ROWS
    for start in range(0, len(labels), per_page):
        for n, label in enumerate(labels[start : start + per_page]):
            row, column = divmod(n, _COLUMNS)
            x = _LEFT + column * (_LABEL_W + _GAP)
            y = page_h - _TOP - (row + 1) * _LABEL_H
            _item_label(canvas, label, x, y)
        canvas.showPage()


def _box_page(canvas: Canvas, boxes: BoxLabels, box: int) -> None:
    _, page_h = LETTER
    x0, y0, w, h = 0.5 * inch, page_h - 0.5 * inch - 6 * inch, 4 * inch, 6 * inch
    canvas.setLineWidth(1.5)
    canvas.rect(x0, y0, w, h)
    top = y0 + h
    canvas.setFont("Helvetica", 8)
    canvas.drawString(x0 + 0.15 * inch, top - 0.25 * inch, "FROM")
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(
        x0 + 0.15 * inch,
        top - 0.42 * inch,
        _fit(canvas, boxes.seller_name, "Helvetica-Bold", 10, w - 0.3 * inch),
    )
    canvas.setFont("Helvetica", 8)
    canvas.drawString(x0 + 0.15 * inch, top - 0.75 * inch, "SHIP TO")
    address = boxes.ship_to
    lines = [
        address.get("name", ""),
        address.get("line1", ""),
        address.get("line2") or "",
        f"{address.get('city', '')}, {address.get('region', '')} {address.get('postal_code', '')}",
        address.get("country", "US"),
    ]
    canvas.setFont("Helvetica-Bold", 13)
    y = top - 0.97 * inch
    for line in (ln for ln in lines if ln):
        canvas.drawString(x0 + 0.15 * inch, y, line)
        y -= 0.22 * inch
    canvas.setFont("Helvetica-Bold", 28)
    canvas.drawRightString(x0 + w - 0.15 * inch, top - 0.55 * inch, boxes.fulfillment_center_id)
    value = box_barcode_value(boxes.shipment_id, box)
    barcode = Code128(value, barWidth=0.014 * inch, barHeight=0.9 * inch, humanReadable=False)
    barcode.drawOn(canvas, x0 + (w - barcode.width) / 2, y0 + 2.35 * inch)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawCentredString(x0 + w / 2, y0 + 2.15 * inch, value)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawCentredString(x0 + w / 2, y0 + 1.8 * inch, f"Box {box} of {boxes.boxes}")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(
        x0 + 0.15 * inch,
        y0 + 1.5 * inch,
        f"Inbound shipment {boxes.shipment_id} — contents of the whole shipment:",
    )
    y = y0 + 1.32 * inch
    shown = boxes.contents[:6]
    for sku, fnsku, quantity in shown:
        canvas.drawString(x0 + 0.25 * inch, y, f"{sku}  ({fnsku})  × {quantity}")
        y -= 0.16 * inch
    if len(boxes.contents) > len(shown):
        canvas.drawString(
            x0 + 0.25 * inch, y, f"… and {len(boxes.contents) - len(shown)} more SKUs"
        )
    canvas.showPage()


def render(item_labels: Sequence[ItemLabel], boxes: BoxLabels) -> bytes:
    """The whole PDF: item label sheets first (they go on the units), then one page per box."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, pageCompression=1)
    canvas.setTitle(f"Labels for inbound shipment {boxes.shipment_id}")
    canvas.setAuthor("Stockpath")
    _item_pages(canvas, item_labels)
    for box in range(1, boxes.boxes + 1):
        _box_page(canvas, boxes, box)
    canvas.save()
    return out.getvalue()
