"""Budget tables: a column per year ("2025", "Budget 2026"), amounts in kr. or 1.000 kr.,
each line the current initiative's, or the plan's before any."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .plan import Source, WBudget


def _amount(text: str, factor: int) -> Decimal | None:
    text = text.replace("kr.", "").replace(" ", "").replace("\xa0", "").strip()
    if not re.fullmatch(r"-?[\d.]+(,\d+)?", text):
        return None
    try:
        return (Decimal(text.replace(".", "").replace(",", ".")) * factor).quantize(Decimal("1"))
    except InvalidOperation:
        return None


class BudgetTables:
    """The `Reader`'s part for budget tables; it works on the reader's state (see `Reader.__init__`)."""

    def budget_table(self, table, texts) -> bool:
        for h, row in enumerate(texts[:3]):
            years = {c: int(m.group(1)) for c, t in enumerate(row)
                     if (m := re.fullmatch(r"(?:budget\s*)?((?:19|20)\d\d)", t.strip(), re.IGNORECASE))}
            if len(years) >= 2:
                break
        else:
            return False
        head = " ".join(row).casefold()
        factor = 1000 if "1.000 kr" in head or "1000 kr" in head or "t. kr" in head else 1
        kind = "financing" if "finansiering" in head else "expense"
        numbered = row[0].strip().casefold() in {"nr.", "nr"}
        label_columns = [c for c in range(len(row)) if c not in years and not (numbered and c == 0)]
        owner = self.initiative
        for r in range(h + 1, len(texts)):
            cells = texts[r]
            where = Source(table=table.index, row=r + 1)
            label = " ".join(cells[c] for c in label_columns if c < len(cells)).strip()
            if numbered and not cells[0].strip():
                continue  # a group heading or a subtotal ("… i alt"): the numbered rows hold the lines
            if label.casefold().endswith("i alt") or not label:
                continue
            for c, year in years.items():
                amount = _amount(cells[c], factor) if c < len(cells) else None
                if amount is None:
                    if c < len(cells) and cells[c].strip():
                        self.unplaced(where, f"{label}: {cells[c]}", _("Ikke et beløb."))
                    continue
                line = WBudget(year, amount, label, kind, where)
                self.plan.years.add(year)
                (owner.budget if owner is not None else self.plan.budget).append(line)
        self.target = None
        return True
