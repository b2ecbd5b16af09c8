"""The label PDF: Code 128 barcodes that decode back to the FNSKUs and the box ids, one label per unit."""

import pypdfium2 as pdfium
import zxingcpp

from registration.adapters.labels import BoxLabels, ItemLabel, box_barcode_value, render

SHIP_TO = {
    "name": "Stockpath SEA1",
    "line1": "20529 59th Pl S",
    "city": "Kent",
    "region": "WA",
    "postal_code": "98032",
}


def pages(pdf: bytes) -> list[tuple[list[str], str]]:
    document = pdfium.PdfDocument(pdf)
    return [
        (
            [b.text for b in zxingcpp.read_barcodes(p.render(scale=300 / 72).to_pil())],
            p.get_textpage().get_text_range(),
        )
        for p in document
    ]


def test_item_labels_fill_sheets_of_thirty_and_box_labels_get_a_page_each():
    labels = [ItemLabel("X00AAAA111", "Cast Iron Skillet", "new")] * 31 + [
        ItemLabel("X00BBBB222", "Kettle", "new")
    ]
    boxes = BoxLabels(
        "FBA000000001",
        "SEA1",
        SHIP_TO,
        "Acme Goods",
        3,
        [("SKU-1", "X00AAAA111", 31), ("SKU-2", "X00BBBB222", 1)],
    )
    result = pages(render(labels, boxes))
    assert len(result) == 2 + 3
    first_codes, first_text = result[0]
    assert set(first_codes) == {"X00AAAA111"} and first_text.count("X00AAAA111") == 30
    second_codes, second_text = result[1]
    assert set(second_codes) == {"X00AAAA111", "X00BBBB222"} and second_text.count("X00") == 2
    for box in (1, 2, 3):
        codes, text = result[1 + box]
        assert codes == [box_barcode_value("FBA000000001", box)] == [f"FBA000000001U{box:06d}"]
        assert (
            f"Box {box} of 3" in text
            and "20529 59th Pl S" in text
            and "Acme Goods" in text
            and "SEA1" in text
        )


def test_a_long_title_is_cut_to_fit_the_label():
    label = ItemLabel("X00CCCC333", "A" * 300, "used_good")
    codes, text = pages(
        render(
            [label], BoxLabels("FBA000000002", "SEA1", SHIP_TO, "S", 1, [("S", "X00CCCC333", 1)])
        )
    )[0]
    assert codes == ["X00CCCC333"] and "…" in text and "A" * 300 not in text


def test_a_per_line_label_says_how_many_copies_to_print():
    label = ItemLabel("X00DDDD444", "Mug", "new", count=40)
    _, text = pages(
        render(
            [label], BoxLabels("FBA000000003", "SEA1", SHIP_TO, "S", 1, [("S", "X00DDDD444", 40)])
        )
    )[0]
    assert "× 40 units" in text
