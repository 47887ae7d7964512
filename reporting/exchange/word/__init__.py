"""Reading a plan out of a Word document (.docx) into the Excel import's `Parsed` rows.

A municipality's plan usually exists first as a Word document. `load_docx` checks the file,
reads it and recognises the plan in it; `import_word` writes that plan. The parts:

- `document`: `check_docx` looks at the bytes with the Excel import's own package checks (size
  cap before reading, zip bombs, macros) and refuses any XML part with a DTD, so no entity is
  ever expanded. `read_document` then walks the body in order (python-docx): paragraphs with
  their style, list marks and bold labels, tables with their cells' paragraphs.
- `plan`: what `recognise` returns, a `WordPlan`: a tree of directions, initiatives, activities,
  cross-links and budget lines, each with its source ("afsnit 14", "tabel 3, række 2"), and a
  list of what it could not place.
- `reader`: `recognise`, one pass over the blocks. Paragraphs it reads itself: "Retning N: …"
  directions, numbered headings ("Spor N – …" and "N.M Indsats – …"; "4.1 F1 - …" and
  "4.1.1 …") with bold labels (`labels`: Formål, Beskrivelse, Konkrete handlinger, Hvad skal der
  komme ud af indsatsen, Tidsplan, Aktiviteter, …). Tables go to the shape that knows them:
  - `handleplan` (Svendborg): one table per initiative with a row "Initiativ | Aktiviteter … |
    Retninger i masterplanen, som projektet også understøtter", years in a header row above,
    "1. halvår"/"2. halvår" activities, cross-links written "N: statement", page-break
    fragments stitched back;
  - `themes` (Familieafdelingen 2018): a goal box ("Overordnet målsætning", "Konkrete
    målsætninger" with "Målet er opnået, når …", "Fokuspunkter"), then "Aktivitet | Formål |
    Implementering og opfølgning | Ansvarlig" rows;
  - `budget`: budget tables with a column per year.
- `rows`: `to_parsed` makes the workbook rows of it; an existing plan's own rows are the base,
  so what a document does not say (status, owners, history, initiatives it leaves out) stays as
  it is. The write is the Excel import's (`importer.import_plan`): the same forms, the same
  all-or-nothing transaction, audited with the source "word".
- `preview`: `outline`, the recognised plan in lines of text (the command's preview).

Every public name of the parts is importable from here.
"""

from ..files import Problem
from .document import (DOCX_CONTENT_TYPE, MAX_BLOCKS, MAX_XML_PART_BYTES, Para, Table, check_docx, macro_message,
                       not_docx_message, read_document)
from .handleplan import GOAL_RE, INITIATIVE_HEADERS, LINK_RE, PERIOD_RE, SENTENCE_STARTS, YEAR_RE
from .labels import DIRECTION_FIELDS, LABELS, SENTENCE_END
from .plan import Source, Unplaced, WActivity, WBudget, WDirection, WInitiative, WordPlan
from .preview import outline
from .reader import (ACTIVITY_LINE_RE, DIRECTION_RE, DIRECTION_WORDS, FOCUS_RE, INITIATIVE_RE, INITIATIVE_WORDS,
                     LINK_NUMBERS_RE, MUNICIPALITY_RE, SUBHEADINGS, Reader, recognise)
from .rows import (LABEL_KEYS, WordImportFailed, WordProblem, default_slug, document_text, import_word, located,
                   to_parsed)
from .themes import ACTIVITY_NUMBER_RE, TIME_WORDS_RE


def load_docx(fileobj, name: str = "", size: int | None = None) -> WordPlan:
    """The plan in a Word file, checked before it is read: the command's and the upload page's one way in."""
    check_docx(fileobj, name, size)
    return recognise(*read_document(fileobj))


__all__ = [
    "ACTIVITY_LINE_RE", "ACTIVITY_NUMBER_RE", "DIRECTION_FIELDS", "DIRECTION_RE", "DIRECTION_WORDS",
    "DOCX_CONTENT_TYPE", "FOCUS_RE", "GOAL_RE", "INITIATIVE_HEADERS", "INITIATIVE_RE", "INITIATIVE_WORDS",
    "LABELS", "LABEL_KEYS", "LINK_NUMBERS_RE", "LINK_RE", "MAX_BLOCKS", "MAX_XML_PART_BYTES", "MUNICIPALITY_RE",
    "PERIOD_RE", "Para", "Problem", "Reader", "SENTENCE_END", "SENTENCE_STARTS", "SUBHEADINGS", "Source",
    "TIME_WORDS_RE", "Table", "Unplaced", "WActivity", "WBudget", "WDirection", "WInitiative", "WordImportFailed",
    "WordPlan", "WordProblem", "YEAR_RE", "check_docx", "default_slug", "document_text", "import_word",
    "load_docx", "located", "macro_message", "not_docx_message", "outline", "read_document", "recognise",
    "to_parsed",
]
