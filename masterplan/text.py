"""Shortening text for lists and menus: at a word, with "…" (docs/sprog.md)."""


def shorten(text, limit: int) -> str:
    """`text` of at most `limit` characters, cut after the last whole word and ended
    with "…" when anything was cut: "Styrket tværfagligt samarbejde" → "Styrket…"."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    if " " in cut and not text[len(cut)].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:–-") + "…"
