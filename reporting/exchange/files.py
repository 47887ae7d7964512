"""What is genuinely about files, before any spreadsheet parser sees them.

Size caps, zip structure (member count, unpacked size: zip bombs), macros and the
shape of an Office Open XML package. `Problem` and `ImportFailed` are how every
import step reports what it found, with sheet, row and column.
"""

import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = getattr(settings, "EXCEL_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000


@dataclass
class Problem:
    sheet: str = ""
    row: int | None = None
    column: str = ""
    message: str = ""

    def __str__(self):
        where = [part for part in (
            self.sheet and _("ark »%(sheet)s«") % {"sheet": self.sheet},
            self.row and _("række %(row)s") % {"row": self.row},
            self.column and _("kolonne »%(column)s«") % {"column": self.column},
        ) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file cannot be imported; `problems` says every reason found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))


def refuse(message) -> ImportFailed:
    return ImportFailed([Problem(message=str(message))])


def check_file(fileobj, name: str = "", size: int | None = None) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before parsing it."""
    if name.lower().endswith((".xlsm", ".xltm", ".xlam")):
        raise refuse(_("Filer med makroer (.xlsm) kan ikke indlæses. Gem filen som "
                       "»Excel-projektmappe (.xlsx)« og prøv igen."))
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
    if size == 0:
        raise refuse(_("Filen er tom."))
    if size > MAX_UPLOAD_BYTES:
        raise refuse(too_large_message())
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != b"PK\x03\x04":
        raise refuse(_("Filen er ikke en Excel-projektmappe (.xlsx). Gem den som "
                       "»Excel-projektmappe« og prøv igen."))
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise refuse(_("Filen pakker sig ud til mere end portalen vil læse (højst %(mb)s MB). "
                               "Den kan ikke indlæses.") % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)})
            names = {m.filename.lower() for m in members}
            # zipfile never unpacks more than a member's declared size, so this read is bounded too.
            content_types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
    # NotImplementedError: an unsupported zip version or compression method; RuntimeError:
    # an encrypted member. Both come from damaged or hostile files like the others here.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, zlib.error,
            NotImplementedError, RuntimeError):
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    finally:
        fileobj.seek(0)
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise refuse(_("Filer med makroer (.xlsm) kan ikke indlæses. Gem filen som "
                       "»Excel-projektmappe (.xlsx)« og prøv igen."))
    if "xl/workbook.xml" not in names:
        raise refuse(_("Filen er ikke en Excel-projektmappe (.xlsx). Gem den som "
                       "»Excel-projektmappe« og prøv igen."))


def too_large_message() -> str:
    return _("Filen er for stor. Den må højst fylde %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
