"""The status palette, read from its one source: static/css/status.css.

Badges and the report use the CSS directly; the SVG charts (dashboard and PDF) need
the colours as values, so they read the same custom properties from here.
"""

import re
from pathlib import Path

STATUS_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "status.css"
_PROPERTY = re.compile(r"--status-([a-z_-]+):\s*(#[0-9a-fA-F]{6})\s*;")


def read_palette(css: str) -> dict[str, str]:
    """Custom properties `--status-<name>: #rrggbb;` as {name: colour}."""
    return {name: colour.lower() for name, colour in _PROPERTY.findall(css)}


_PALETTE = read_palette(STATUS_CSS.read_text(encoding="utf-8"))
TEXT_ON_FILL = _PALETTE.pop("text-on-fill")
# Status value ("on_track", …) → fill colour.
STATUS_COLOURS: dict[str, str] = _PALETTE
