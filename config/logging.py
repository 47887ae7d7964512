"""One log line per event as key=value pairs (logfmt), readable by people and by the
municipality's log collector alike. Extra fields come from `extra={...}` on the call."""

import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else on a record came in through `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _value(value) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\r\t\\'):
        return text
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        text = text.replace(raw, escaped)
    return f'"{text}"'


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
        # Django's request logger attaches the request object itself; log its path only.
        request = extra.pop("request", None)
        if request is not None and hasattr(request, "path"):
            extra.setdefault("path", request.path)
            extra.setdefault("method", request.method)
        fields.update(extra)
        fields["msg"] = record.getMessage()
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            fields["stack"] = self.formatStack(record.stack_info)
        return " ".join(f"{key}={_value(value)}" for key, value in fields.items())
