"""A deterministic demo catalog: realistic, varied items for `stockpath seed` and the benchmarks.

Items are generated from vocabularies per category (brands, product kinds, attributes, size and
weight ranges), with valid UPC/EAN/ISBN check digits. The same `seed` and `count` always give
the same items, so seeding twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from catalog.domain.identifiers import gs1_check_digit


@dataclass(frozen=True)
class Category:
    name: str
    brands: tuple[str, ...]
    kinds: tuple[str, ...]
    qualifiers: tuple[str, ...]
    size_cm: tuple[float, float]  # smallest and largest side
    weight_g: tuple[float, float]
    hazmat_share: float = 0.0


CATEGORIES = (
    Category(
        "Kitchen",
        ("Cuisinart", "OXO", "Lodge", "KitchenAid", "Pyrex", "Zwilling", "Le Creuset", "T-fal"),
        (
            "Cast Iron Skillet",
            "Chef's Knife",
            "Mixing Bowl Set",
            "Cutting Board",
            "Dutch Oven",
            "Measuring Cups",
            "Salad Spinner",
            "Stand Mixer",
            "Coffee Grinder",
            "Kettle",
            "Spatula Set",
            "Food Storage Containers",
        ),
        (
            "10-inch",
            "12-inch",
            "Stainless Steel",
            "Non-Stick",
            "Bamboo",
            "Ceramic",
            "3-Piece",
            "5-Quart",
            "Glass",
        ),
        (5, 45),
        (120, 6500),
    ),
    Category(
        "Books",
        ("Penguin", "HarperCollins", "O'Reilly", "Vintage", "Scholastic", "Random House", "Tor"),
        (
            "Field Guide to Birds",
            "Python Cookbook",
            "History of Rome",
            "Mystery Novel",
            "Poetry Collection",
            "Children's Atlas",
            "Baking Handbook",
            "Space Opera",
            "Biography",
            "Gardening Almanac",
        ),
        ("Paperback", "Hardcover", "2nd Edition", "Illustrated", "Large Print", "Annotated"),
        (2, 30),
        (150, 1800),
    ),
    Category(
        "Electronics",
        ("Anker", "Sony", "Logitech", "JBL", "Belkin", "Samsung", "TP-Link", "SanDisk"),
        (
            "Wireless Earbuds",
            "USB-C Charger",
            "Bluetooth Speaker",
            "Power Bank",
            "Wireless Mouse",
            "Mechanical Keyboard",
            "HDMI Cable",
            "Wi-Fi Router",
            "microSD Card",
            "Webcam",
            "Smart Plug",
        ),
        (
            "65W",
            "20000mAh",
            "Noise Cancelling",
            "Waterproof",
            "1080p",
            "128GB",
            "Dual Band",
            "6 ft",
            "RGB",
        ),
        (2, 40),
        (20, 2500),
        0.12,
    ),
    Category(
        "Toys",
        ("LEGO", "Hasbro", "Mattel", "Melissa & Doug", "Fisher-Price", "Ravensburger", "Nerf"),
        (
            "Building Set",
            "Jigsaw Puzzle",
            "Board Game",
            "Plush Bear",
            "Wooden Train Set",
            "Action Figure",
            "Art Kit",
            "Dollhouse",
            "Remote Control Car",
            "Foam Blaster",
        ),
        (
            "1000-Piece",
            "Deluxe",
            "Classic",
            "Junior",
            "Family Edition",
            "Starter",
            "Glow-in-the-Dark",
        ),
        (5, 70),
        (80, 4000),
        0.03,
    ),
    Category(
        "Beauty",
        ("CeraVe", "Neutrogena", "L'Oreal", "Olay", "The Ordinary", "Burt's Bees", "Dove"),
        (
            "Moisturizing Cream",
            "Sunscreen SPF 50",
            "Hair Spray",
            "Shampoo",
            "Nail Polish",
            "Perfume",
            "Lip Balm",
            "Facial Cleanser",
            "Dry Shampoo Aerosol",
            "Serum",
        ),
        (
            "Fragrance-Free",
            "8 fl oz",
            "Travel Size",
            "Value Pack",
            "Sensitive Skin",
            "Vanilla",
            "Unscented",
        ),
        (3, 25),
        (30, 900),
        0.25,
    ),
    Category(
        "Sports & Outdoors",
        ("Coleman", "Yeti", "Hydro Flask", "Wilson", "Spalding", "Gaiam", "Osprey"),
        (
            "Yoga Mat",
            "Camping Tent",
            "Insulated Water Bottle",
            "Basketball",
            "Hiking Backpack",
            "Sleeping Bag",
            "Camp Stove Fuel Canister",
            "Resistance Bands",
            "Cooler",
            "Trekking Poles",
        ),
        ("32 oz", "4-Person", "Ultralight", "Official Size", "65L", "Extra Thick", "20 Degree"),
        (8, 120),
        (100, 14000),
        0.05,
    ),
    Category(
        "Home Improvement",
        ("DeWalt", "Bosch", "Stanley", "Makita", "Black+Decker", "Milwaukee", "Ryobi"),
        (
            "Cordless Drill",
            "Tape Measure",
            "Screwdriver Set",
            "Stud Finder",
            "Work Light",
            "Lithium Battery Pack",
            "Spray Paint",
            "Wood Glue",
            "Circular Saw",
            "Tool Box",
        ),
        ("20V", "25 ft", "32-Piece", "LED", "Brushless", "Heavy Duty", "Compact"),
        (5, 90),
        (100, 18000),
        0.18,
    ),
    Category(
        "Pet Supplies",
        ("KONG", "Purina", "Chewy Basics", "PetSafe", "Frisco", "Nylabone", "Blue Buffalo"),
        (
            "Dog Chew Toy",
            "Cat Litter",
            "Pet Bed",
            "Dog Leash",
            "Cat Tree",
            "Dry Dog Food",
            "Aquarium Filter",
            "Bird Feeder",
            "Flea Spray",
        ),
        ("Large", "Small Breed", "Clumping", "Orthopedic", "6 ft", "30 lb Bag", "Indoor"),
        (5, 110),
        (60, 16000),
        0.08,
    ),
    Category(
        "Grocery",
        ("Lavazza", "Twinings", "Kind", "Nature Valley", "Bob's Red Mill", "Ghirardelli"),
        (
            "Whole Bean Coffee",
            "Green Tea",
            "Granola Bars",
            "Almond Flour",
            "Dark Chocolate",
            "Olive Oil",
            "Maple Syrup",
            "Trail Mix",
        ),
        ("12 oz", "100 Count", "Organic", "Family Size", "Gluten-Free", "Variety Pack"),
        (4, 35),
        (80, 3000),
    ),
    Category(
        "Furniture",
        ("IKEA", "Ashley", "Zinus", "Sauder", "Nathan James", "Walker Edison"),
        ("Bookshelf", "Office Chair", "Coffee Table", "Mattress", "TV Stand", "Bar Stool", "Desk"),
        ("Oak", "Queen", "5-Shelf", "Mid-Century", "Adjustable", "Walnut", "Standing"),
        (30, 210),
        (3000, 45000),
    ),
    Category(
        "Weapons",
        ("Buck", "Gerber", "Kershaw"),
        ("Hunting Knife", "Crossbow", "Air Rifle"),
        ("Fixed Blade", "Tactical", "Compound"),
        (10, 100),
        (150, 4000),
    ),
)

#: Categories a fulfillment provider refuses outright (eligibility in registration reads this name).
RESTRICTED_CATEGORIES = ("Weapons",)


def _upc(rng: random.Random) -> str:
    body = "0" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + str(gs1_check_digit(body))


def _ean(rng: random.Random) -> str:
    body = rng.choice(("40", "50", "76", "84", "87")) + "".join(
        rng.choice("0123456789") for _ in range(10)
    )
    return body + str(gs1_check_digit(body))


def _isbn13(rng: random.Random) -> str:
    body = "978" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + str(gs1_check_digit(body))


def _model_number(rng: random.Random, brand: str) -> str:
    prefix = "".join(ch for ch in brand.upper() if ch.isalpha())[:2] or "MX"
    return f"{prefix}-{rng.randint(100, 9999)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"


def generate(count: int, *, seed: int = 20070531) -> list[dict]:
    """`count` catalog items as bodies for ``POST /v1/catalog/items/bulk``."""
    rng = random.Random(seed)
    items: list[dict] = []
    weights = [len(c.kinds) * (0.15 if c.name == "Weapons" else 1.0) for c in CATEGORIES]
    seen_identifiers: set[str] = set()
    seen_titles: set[str] = set()
    for n in range(count):
        category = rng.choices(CATEGORIES, weights)[0]
        brand = rng.choice(category.brands)
        kind = rng.choice(category.kinds)
        qualifier = rng.choice(category.qualifiers)
        colour = rng.choice(("Black", "White", "Blue", "Red", "Green", "Grey", "Natural", ""))
        title = " ".join(
            p
            for p in (
                brand,
                qualifier,
                kind,
                f"- {colour}" if colour and category.name not in ("Books", "Grocery") else "",
            )
            if p
        )
        # The vocabularies give ~25,000 distinct titles; past that, a manufacturer's model number
        # tells otherwise identical titles apart, as it does on real marketplaces.
        while title in seen_titles:
            title = f"{title.split(', Model ')[0]}, Model {_model_number(rng, brand)}"
        seen_titles.add(title)
        lo, hi = category.size_cm
        sides = sorted((round(rng.uniform(lo, hi), 1) for _ in range(3)), reverse=True)
        weight = round(rng.uniform(*category.weight_g), 0)
        while True:
            ident = (
                ("isbn", _isbn13(rng))
                if category.name == "Books"
                else rng.choice((("upc", _upc(rng)), ("ean", _ean(rng))))
            )
            if ident[1] not in seen_identifiers:
                seen_identifiers.add(ident[1])
                break
        hazardous_words = (
            "Aerosol",
            "Battery",
            "Spray",
            "Fuel",
            "Perfume",
            "Nail Polish",
            "Power Bank",
            "Hair Spray",
        )
        hazmat = any(w in kind for w in hazardous_words) or rng.random() < category.hazmat_share / 4
        item = {
            "catalog_item_id": f"B0{n:08d}",
            "title": title,
            "brand": brand,
            "category": category.name,
            "identifiers": {ident[0]: ident[1]},
            "dimensions": {"length_cm": sides[0], "width_cm": sides[1], "height_cm": sides[2]},
            "weight_g": weight,
            "hazmat": hazmat,
            "attributes": {"color": colour} if colour else {},
        }
        # A few items lack measurements, as real catalogs do; registration must say so.
        if rng.random() < 0.02:
            item["dimensions"] = None
        elif rng.random() < 0.01:
            item["weight_g"] = None
        items.append(item)
    return items
