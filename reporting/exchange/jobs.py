"""An upload's check and write in the task worker, and what the web shows of them meanwhile.

A web request only stores the file and enqueues the work (`tasks.check_import`,
`tasks.write_import`), so a large workbook never holds a web worker past its timeout.
Each upload has, beside the file in the private upload directory (`pending_dir`):

- `<token>.json`, its state: "checking" → "checked" (or "failed" with the problems) →
  "writing" → "done" (or "failed"), with the rows checked and written so far. It is a
  file, not a database row, because the import writes inside one transaction: progress
  written to the database would only show when it is over. Several web servers and the
  worker share the directory (EXCEL_IMPORT_DIR).
- `<token>.checked`, the checked result: the parsed workbook and the preview's summary,
  so confirming reads no file again. The write validates every row again with the same
  forms in its own transaction, as the plan may have changed since the preview: that is
  what keeps it all or nothing.

Only this application writes these files, in a directory no one else may read
(mode 0700), so the pickled result is trusted like the database.
"""

import json
import os
import pickle
import tempfile
import time
from pathlib import Path

from django.conf import settings

PENDING_MAX_AGE = 60 * 60  # seconds a checked upload waits for its confirmation
# A check or write whose state has not moved for this long is presumed lost (a worker that
# stopped); the user is told to upload again.
STALLED_AFTER = 15 * 60
PROGRESS_EVERY = 0.5  # seconds between writes of the progress


def pending_dir() -> Path:
    path = Path(getattr(settings, "EXCEL_IMPORT_DIR", "") or Path(tempfile.gettempdir()) / "masterplan-excel-import")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def upload_path(token: str, suffix: str = ".xlsx") -> Path:
    """The uploaded file: a workbook, or with suffix ".docx" a Word document."""
    return pending_dir() / f"{token}{suffix}"


def _state_path(token: str) -> Path:
    return pending_dir() / f"{token}.json"


def _checked_path(token: str) -> Path:
    return pending_dir() / f"{token}.checked"


def read_state(token: str) -> dict | None:
    """The upload's state, with `stalled` set if its work stopped moving."""
    try:
        path = _state_path(token)
        state = json.loads(path.read_text())
        age = time.time() - path.stat().st_mtime
    except (OSError, ValueError):
        return None
    state["stalled"] = state.get("state") in {"checking", "writing"} and age > STALLED_AFTER
    return state


def write_state(token: str, **state) -> None:
    """Replace the state at once (written beside it, then renamed), so a reader never sees half."""
    path = _state_path(token)
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(state, default=str))
    os.replace(partial, path)


def progress_writer(token: str, state: str, total: int):
    """A callback for `import_plan(progress=…)`: writes the counts at most every PROGRESS_EVERY s."""
    last = [0.0]

    def progress(checked: int, written: int):
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            write_state(token, state=state, total=total, checked=min(checked, total), written=written)

    return progress


def save_checked(token: str, parsed, summary) -> None:
    path = _checked_path(token)
    with open(path.with_suffix(".part"), "wb") as handle:
        pickle.dump((parsed, summary.frozen()), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(path.with_suffix(".part"), path)


def load_checked(token: str):
    """(parsed workbook, summary) of the check, or (None, None) if it is gone."""
    try:
        with open(_checked_path(token), "rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None, None


def forget(token: str) -> None:
    for path in (upload_path(token), upload_path(token, ".docx"), _state_path(token), _checked_path(token)):
        path.unlink(missing_ok=True)


def prune() -> None:
    """Forget uploads nobody confirmed (every file of theirs older than PENDING_MAX_AGE)."""
    for old in pending_dir().iterdir():
        try:
            if time.time() - old.stat().st_mtime > PENDING_MAX_AGE:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def is_fresh(token: str, suffix: str = ".xlsx") -> bool:
    """Whether the upload is still there and younger than PENDING_MAX_AGE."""
    path = upload_path(token, suffix)
    return path.is_file() and time.time() - path.stat().st_mtime <= PENDING_MAX_AGE
