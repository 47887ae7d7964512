"""The empty template: the export's format with instructions and one example row per sheet."""

import datetime
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from .workbook import (SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS, SHEET_INDICATORS, SHEET_INITIATIVES,
                       SHEET_INSTRUCTIONS, SHEET_MEASUREMENTS, SHEET_STATUS, SHEETS, WRAP, choices, finish_sheet, start_sheet, write_plan_sheet, write_rows)


INSTRUCTIONS = [
    "Sådan udfylder du skabelonen",
    "",
    "Skabelonen har samme form som en eksport fra portalen: du kan også hente en eksport af en plan, "
    "rette i den og indlæse den igen.",
    "Arket »Plan« beskriver planen. Arkene »Retninger«, »Initiativer«, »Aktiviteter«, »Statushistorik« og "
    "»Budgetlinjer« har én række pr. linje; første række er overskrifter og må ikke ændres.",
    "Hvert ark har en eksempelrække. Ret den eller slet den, før du indlæser filen.",
    "Retninger har et heltal som nummer, initiativer et nummer som »2.3« eller »4.1.1«. Numrene skal være "
    "entydige i planen; portalen genkender eksisterende retninger og initiativer på deres nummer.",
    "I en eksport kender portalen også hvert initiativ på dets skjulte id, så et initiativ kan få et nyt "
    "nummer, også et, som et andet initiativ giver fra sig i samme fil (to initiativer kan bytte numre). "
    "Ret så også nummeret i »Aktiviteter«, »Statushistorik« og »Budgetlinjer«, så rækkerne følger med.",
    "»Understøtter også retning« er numrene på andre retninger i planen, adskilt af komma, fx »2, 5«. "
    "Et initiativ kan ikke også understøtte sin egen retning.",
    "Lister (succeskriterier, forventede resultater, konkrete handlinger, fokuspunkter) skrives med ét punkt "
    "pr. linje i cellen (Alt+Enter i Excel).",
    "Status, fase, periode, type, art og udført vælges på rullelisten i cellen.",
    "Datoer skrives som datoer (fx 01-03-2025), beløb som tal i hele kroner.",
    "Aktiviteternes og budgetlinjernes år skal ligge i planens periode.",
    "»Indikatorer« genkendes på navnet; »Målinger« har én værdi pr. indikator og dato inden for planens periode.",
    "Den sidste kolonne på hvert ark, »Id«, er skjult og fortæller portalen, hvilken række der er hvilken. "
    "Lad den stå, så kan du sortere og filtrere arkene frit; nye rækker har intet id.",
    "Portalen beholder sin egen rækkefølge af rækkerne, medmindre du vælger filens rækkefølge ved indlæsningen. "
    "En ny plan får filens rækkefølge.",
    "Er en række ændret i portalen, efter filen blev hentet, viser forhåndsvisningen hvem og hvornår, og "
    "rækken gemmes kun, hvis du vælger det. Offentliggørelse og periode kan kun ændres af en administrator.",
    "Tidspunkter i »Statushistorik« står med fuld præcision, fx »2025-06-01 12:00:00+02:00«.",
    "Ved indlæsning i en eksisterende plan opdateres det, der er ændret; retninger, initiativer, "
    "aktiviteter og budgetlinjer, som ikke står i filen, slettes. Statushistorik slettes aldrig.",
    "Du ser altid en oversigt over ændringerne, før noget bliver gemt. Formler bliver ikke beregnet, men "
    "indlæst som tekst. Filer med makroer (.xlsm) afvises. Regneark fra LibreOffice gemmes som "
    "»Excel 2007-365 (.xlsx)«.",
]

EXAMPLE_PLAN = {
    "slug": "min-plan", "title": "Masterplan for det sociale område", "organization": "",
    "period_start": 2025, "period_end": 2028, "adopted_on": datetime.date(2025, 3, 1),
    "adopted_by": "Social- og Sundhedsudvalget", "intro": "Planen beskriver …", "vision": "",
    "direction_label": "Retning", "direction_label_plural": "Retninger",
    "initiative_label": "Initiativ", "initiative_label_plural": "Initiativer", "stale_after_days": 90, "published": False,
    "direction_label_gender": "en", "direction_label_definite": "retningen",
    "direction_label_plural_definite": "retningerne", "initiative_label_gender": "et",
    "initiative_label_definite": "initiativet", "initiative_label_plural_definite": "initiativerne",
    "extract": "",
}
EXAMPLE_ROWS = {
    SHEET_DIRECTIONS: {"number": 1, "title": "Tidlig indsats",
                       "statement": "Vi sætter ind tidligt, så borgerne kan klare sig selv.",
                       "success_criteria": ["Målet er opnået, når ventetiden er halveret."]},
    SHEET_INITIATIVES: {"number": "1.1", "direction": 1, "kind": "initiativ", "title": "Kortere sagsbehandling",
                        "goal": "Kortere ventetid for borgerne.", "responsible": "Myndighed Voksen",
                        "start_date": datetime.date(2025, 1, 1), "funding_amount": Decimal("250000"),
                        "funding_source": "Egen ramme", "status": "not_started", "phase": "planning"},
    SHEET_ACTIVITIES: {"initiative": "1.1", "year": 2025, "period": "h1", "text": "Analyse af arbejdsgange.",
                       "responsible": "Myndighed Voksen", "deadline": "Juni 2025", "done": False},
    SHEET_STATUS: {"initiative": "1.1", "created_at": datetime.datetime(2025, 6, 1, 12, 0),
                   "status": "on_track", "phase": "implementation", "note": "Forløber som planlagt."},
    SHEET_BUDGET: {"initiative": "1.1", "year": 2025, "amount": Decimal("250000"), "label": "Projektleder",
                   "kind": "expense"},
    SHEET_INDICATORS: {"name": "Ventetid", "unit": "dage", "initiatives": "1.1", "target_value": 30,
                       "good_direction": "down", "frequency": "quarterly"},
    SHEET_MEASUREMENTS: {"indicator": "Ventetid", "period": "q1", "date": datetime.date(2025, 3, 31), "value": 45},
}


def build_template() -> Workbook:
    labels = choices()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_INSTRUCTIONS
    ws.column_dimensions["A"].width = 110
    for row, line in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = WRAP
    ws["A1"].font = Font(bold=True, size=14)
    write_plan_sheet(wb, EXAMPLE_PLAN, labels)
    for title, columns in SHEETS.items():
        sheet = start_sheet(wb, title, columns, labels, max_rows=2000)
        example = dict(EXAMPLE_ROWS[title])
        if "created_at" in example:  # naive example time: written as is
            example["created_at"] = timezone.make_aware(example["created_at"])
        finish_sheet(sheet, columns, write_rows(sheet, columns, [example], labels))
    return wb
