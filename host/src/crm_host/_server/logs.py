"""Process logging: text or JSON lines on stderr, each tagged with the call's request id.

The request id lives in a context variable that the host's interceptor sets for
the duration of each call. The formatters read it when a record is written, so
every line logged during a call carries it, whoever logs it (the host, a
plugin, a library), without any cooperation from the caller.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from typing import Any, Literal, TextIO

LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

REQUEST_ID_KEY = "x-request-id"
MAX_REQUEST_ID_LENGTH = 128

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "crm_host_request_id", default=None
)

# Everything a bare LogRecord carries; the rest of its __dict__ came from `extra`.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


def request_id() -> str | None:
    """The id of the call being served, or None outside a call."""
    return _request_id.get()


def bind_request_id(value: str) -> contextvars.Token[str | None]:
    """Make ``value`` what :func:`request_id` returns until :func:`unbind_request_id`."""
    return _request_id.set(value)


def unbind_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    """128 random bits in hex, like a UUID4's hex without the fixed version bits."""
    return os.urandom(16).hex()


def valid_request_id(value: object) -> bool:
    """1 to 128 visible ASCII characters.

    Spaces are refused too, so a text log line's ``request_id=...`` stays one token.
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_REQUEST_ID_LENGTH
        and all("!" <= char <= "~" for char in value)
    )


def request_id_from(metadata: Any) -> str:
    """The caller's ``x-request-id`` when it is acceptable, else a new one."""
    for key, value in metadata or ():
        if key == REQUEST_ID_KEY:
            # Only the first one counts; a malformed one is replaced, not echoed.
            return value if valid_request_id(value) else new_request_id()
    return new_request_id()


def _record_request_id(record: logging.LogRecord) -> str | None:
    stamped = getattr(record, "request_id", None)
    return stamped if isinstance(stamped, str) else _request_id.get()


class TextFormatter(logging.Formatter):
    """The classic one-line format, with `` request_id=...`` after the message inside calls."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        rid = _record_request_id(record)
        # Before the traceback, which Formatter.format appends after this.
        return f"{line} request_id={rid}" if rid else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exc_info, extras."""

    def __init__(self) -> None:
        super().__init__()
        # The host writes a line per call, many a second: the date and time
        # part of the timestamp is formatted once per second.
        self._second: tuple[int, str] = (-1, "")

    def _timestamp(self, created: float) -> str:
        """``created`` as RFC 3339 UTC with milliseconds, e.g. 2026-11-26T12:00:00.123Z."""
        second, text = self._second
        if int(created) != second:
            second = int(created)
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, text)
        return f"{text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        fields = record.__dict__
        # A set difference, not a loop over the record's two dozen attributes.
        entry: dict[str, Any] = {
            key: fields[key] for key in sorted(fields.keys() - _RECORD_ATTRIBUTES)
        }
        entry["time"] = self._timestamp(record.created)
        entry["level"] = record.levelname
        entry["logger"] = record.name
        entry["message"] = record.getMessage()
        rid = _record_request_id(record)
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # default=str: an `extra` value JSON cannot encode must not lose the line.
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(format: LogFormat) -> logging.Formatter:
    if format == "json":
        return JsonFormatter()
    if format == "text":
        return TextFormatter()
    raise ValueError(f"unknown log format {format!r}; use {' or '.join(FORMATS)}")


_installed: logging.Handler | None = None


def configure(
    format: LogFormat = "text", level: str | int = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in ``format``; return the handler.

    Calling it again replaces the handler it installed before, and leaves
    handlers installed by others (pytest's, for one) alone.
    """
    global _installed
    # The host writes a line per call. Neither format prints the thread,
    # process or source location of a record, and looking them up costs more
    # than formatting the line, so they are not looked up (the logging
    # HOWTO's "Optimization" section lists these switches).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(formatter(format))
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    _installed = handler
    return handler


__all__ = [
    "FORMATS",
    "REQUEST_ID_KEY",
    "JsonFormatter",
    "LogFormat",
    "TextFormatter",
    "bind_request_id",
    "configure",
    "formatter",
    "new_request_id",
    "request_id",
    "request_id_from",
    "unbind_request_id",
    "valid_request_id",
]
