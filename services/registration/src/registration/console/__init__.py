"""The seller console: server-rendered pages (Jinja2 templates, a stylesheet, a little JavaScript)."""

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
