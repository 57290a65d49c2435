"""Secrets out of every log line: API keys and bearer tokens are replaced before any handler.

Scrapy and its middlewares log request URLs in places we do not control (retries given up,
errors); a TMDb v3 key travels in the URL. ``install_log_redaction`` wraps the logging module's
record factory once per process, so every record's message is redacted where it is made,
whichever logger and handler it goes to.
"""

from __future__ import annotations

import logging
from typing import Any

from .tmdb import redact

_installed = False
_FORMATTER = logging.Formatter()


def install_log_redaction() -> None:
    global _installed  # noqa: PLW0603 (one factory per process, like logging's own)
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        if "api_key=" in message or "Bearer " in message:
            record.msg = redact(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Handlers use exc_text when it is set: format the traceback once, redacted.
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(redacting_record)
