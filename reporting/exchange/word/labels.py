"""The labels the seeds write before a field's text ("Formål", "Konkrete handlinger", …) and how
text is added to a field: shared by the paragraph reader and every table shape."""

from .document import Para

# Labels as the seeds write them → (field, list?). Directions and initiatives share them.
LABELS = {
    "mål": ("goal", False),
    "overordnet målsætning": ("goal", False),
    "formål": ("purpose", False),
    "formål med indsatsen": ("purpose", False),
    "formål med handlingen": ("purpose", False),
    "beskrivelse": ("description", False),
    "kort om sporet": ("description", False),
    "baggrund": ("description", False),
    "indhold": ("description", False),
    "økonomi": ("description", False),
    "konkrete handlinger": ("actions", True),
    "handlinger": ("actions", True),
    "hvad skal der komme ud af indsatsen": ("expected_outcomes", True),
    "hvad skal der komme ud indsatsen": ("expected_outcomes", True),
    "forventede resultater": ("expected_outcomes", True),
    "succeskriterier": ("success_criteria", True),
    "konkrete målsætninger": ("success_criteria", True),
    "fokuspunkter": ("focus_points", True),
    "tidsplan": ("deadline", False),
    "tidsramme": ("deadline", False),
    "frist": ("deadline", False),
    "ansvarlig": ("responsible", False),
    "implementering og opfølgning": ("follow_up", False),
    "opfølgning": ("follow_up", False),
    "aktiviteter": ("activities", True),
    "understøtter også": ("cross_links", True),
    "retninger i masterplanen, som projektet også understøtter": ("cross_links", True),
}
DIRECTION_FIELDS = {"title", "statement", "goal", "purpose", "description", "success_criteria", "focus_points"}


SENTENCE_END = (".", "!", "?", ":", "”", '"', "»", ")")


def _label(para: Para):
    """(field key, is a list, the text after the label) if the paragraph starts with a known label."""
    candidates = []
    if para.bold:
        candidates.append((para.bold, para.text[len(para.bold):] if para.text.startswith(para.bold) else ""))
    if ":" in para.text[:90]:
        head, rest = para.text.split(":", 1)
        candidates.append((head, rest))
    if para.all_bold or para.level:
        candidates.append((para.text, ""))
    for head, rest in candidates:
        key = head.strip().rstrip(":").strip().casefold()
        if key in LABELS:
            return (*LABELS[key], rest.strip().lstrip(":").strip())
        if key.startswith("formål") and len(key) < 40:
            return "purpose", False, rest.strip().lstrip(":").strip()
    return None


def _join(old: str, new: str, paragraph: bool = True) -> str:
    if not old:
        return new
    return f"{old}\n\n{new}" if paragraph else f"{old}\n{new}"


def _continue(old: str, new: str) -> str:
    """A fragment after a page break: the same sentence goes on, else a new paragraph starts."""
    if not old:
        return new
    return f"{old}\n\n{new}" if old.rstrip().endswith(SENTENCE_END) else f"{old} {new}"
