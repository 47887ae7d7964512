"""A plan's own nouns (its labels for direction and initiative) in every form a
Danish sentence needs.

A plan calls its directions "Retning", "Spor", "Fokusområde" or "Tema" and its
initiatives "Initiativ", "Indsats", "Handling" or "Tiltag". Danish agreement depends
on the noun's gender (en/et) and its definite and plural forms, which no rule can
derive from the word ("sporet" but "retningen", plural "spor" but "temaer"), so the
plan stores them and sentences take them from here instead of gluing endings on.
"""

from dataclasses import dataclass

from django.utils.translation import pgettext

COMMON, NEUTER = "en", "et"

# Forms of the labels Danish plans use, for filling in new plans and old rows:
# label -> (gender, definite singular, indefinite plural, definite plural).
KNOWN_NOUNS = {
    "retning": (COMMON, "retningen", "retninger", "retningerne"),
    "spor": (NEUTER, "sporet", "spor", "sporene"),
    "fokusområde": (NEUTER, "fokusområdet", "fokusområder", "fokusområderne"),
    "tema": (NEUTER, "temaet", "temaer", "temaerne"),
    "indsatsområde": (NEUTER, "indsatsområdet", "indsatsområder", "indsatsområderne"),
    "initiativ": (NEUTER, "initiativet", "initiativer", "initiativerne"),
    "projekt": (NEUTER, "projektet", "projekter", "projekterne"),
    "indsats": (COMMON, "indsatsen", "indsatser", "indsatserne"),
    "handling": (COMMON, "handlingen", "handlinger", "handlingerne"),
    "tiltag": (NEUTER, "tiltaget", "tiltag", "tiltagene"),
    "aktivitet": (COMMON, "aktiviteten", "aktiviteter", "aktiviteterne"),
    "mål": (NEUTER, "målet", "mål", "målene"),
}


def known_forms(label: str):
    """(gender, definite, plural, definite plural) of a known label, or None."""
    return KNOWN_NOUNS.get(label.strip().lower())


LABEL_FORM_KEYS = ("gender", "definite", "plural_definite")


def complete_label_forms(plan_values: dict, seen: set) -> None:
    """Fill in the labels' gender and definite forms when the file has no rows for them
    (Excel files exported before they existed): from the label if it is a known Danish
    word, else the model's defaults. `seen` gets the keys filled in."""
    from masterplan.models import Plan

    for kind in ("direction", "initiative"):
        missing = [f"{kind}_label_{form}" for form in LABEL_FORM_KEYS if f"{kind}_label_{form}" not in seen]
        if not missing:
            continue
        forms = known_forms(str(plan_values.get(f"{kind}_label") or ""))
        known = dict(zip(LABEL_FORM_KEYS, (forms[0], forms[1], forms[3]))) if forms else {}
        for key in missing:
            form = key.removeprefix(f"{kind}_label_")
            plan_values[key] = known.get(form) or Plan._meta.get_field(key).get_default()
            seen.add(key)


@dataclass(frozen=True)
class Noun:
    """One of a plan's nouns. `label`/`label_plural` keep the plan's capitalisation
    (they are headings: "Spor 2"); the other forms are lower case for running text."""

    label: str
    label_plural: str
    gender: str
    definite_form: str
    plural_definite_form: str

    @property
    def neuter(self) -> bool:
        return self.gender == NEUTER

    @property
    def singular(self) -> str:
        return self.label.lower()

    @property
    def plural(self) -> str:
        return self.label_plural.lower()

    @property
    def definite(self) -> str:
        return self.definite_form.lower()

    @property
    def plural_definite(self) -> str:
        return self.plural_definite_form.lower()

    def _phrase(self, common: str, neuter: str) -> str:
        return (neuter if self.neuter else common) % {"noun": self.singular}

    @property
    def this(self) -> str:
        """"denne retning" / "dette spor"."""
        return self._phrase(pgettext("fælleskøn", "denne %(noun)s"), pgettext("intetkøn", "dette %(noun)s"))

    @property
    def a(self) -> str:
        """"en retning" / "et spor"."""
        return self._phrase(pgettext("fælleskøn", "en %(noun)s"), pgettext("intetkøn", "et %(noun)s"))

    @property
    def which(self) -> str:
        """"hvilken retning" / "hvilket spor"."""
        return self._phrase(pgettext("fælleskøn", "hvilken %(noun)s"), pgettext("intetkøn", "hvilket %(noun)s"))

    @property
    def no(self) -> str:
        """"ingen retning" / "intet spor"."""
        return self._phrase(pgettext("fælleskøn", "ingen %(noun)s"), pgettext("intetkøn", "intet %(noun)s"))

    @property
    def yours(self) -> str:
        """"din retning" / "dit spor"."""
        return self._phrase(pgettext("fælleskøn", "din %(noun)s"), pgettext("intetkøn", "dit %(noun)s"))

    @property
    def own(self) -> str:
        """"sin egen retning" / "sit eget spor"."""
        return self._phrase(pgettext("fælleskøn", "sin egen %(noun)s"), pgettext("intetkøn", "sit eget %(noun)s"))

    def count(self, n: int) -> str:
        """"1 retning", "3 retninger"."""
        return f"{n} {self.singular if n == 1 else self.plural}"
