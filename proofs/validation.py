"""Checks on what a seller offers as evidence: file content, link scheme, metric value by unit."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from proofs.models import MetricUnit

MAX_FILE_BYTES = 10 * 1024 * 1024

# Content signature -> (type, its label, the extensions a file of that type may carry).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "a PDF document", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", "a PNG image", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", "a JPEG image", (".jpg", ".jpeg")),
)
TEXT_TYPES = {".csv": "text/csv", ".txt": "text/plain"}
ALLOWED = "PDF, PNG, JPEG, CSV or plain text"
# Markup a browser would render or run; plain text and CSV never need it.
MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|style|meta|link|\?xml)\b", re.I
)

url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a valid web address, e.g. https://example.com/report."
)


def detect_file_type(name: str, content: bytes) -> str:
    """The file's MIME type, judged by its content; refuses anything else or a misleading name."""
    extension = PurePath(name).suffix.lower()
    if not content:
        raise ValidationError("The file is empty.")
    for magic, mime, label, extensions in SIGNATURES:
        if content.startswith(magic):
            if extension not in extensions:
                raise ValidationError(
                    f"The file's content is {label} but its name ends in '{extension or 'nothing'}'; "
                    f"name it {' or '.join(extensions)}."
                )
            return mime
    if b"\x00" in content:
        raise ValidationError(f"The file's content is not {ALLOWED}.")
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"The file's content is not {ALLOWED}.") from None
    if MARKUP.search(content):
        raise ValidationError(
            "The file contains HTML or script; upload a PDF, an image or plain text instead."
        )
    if extension not in TEXT_TYPES:
        raise ValidationError(
            f"The file's content is plain text but its name ends in '{extension or 'nothing'}'; "
            "name it .csv or .txt."
        )
    return TEXT_TYPES[extension]


def check_link(url: str) -> None:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise ValidationError("Only http:// and https:// links are allowed.")
    url_validator(url)


def check_file_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB."
        )


def check_metric(value: Decimal, unit: str) -> dict[str, str]:
    """Field -> message for a value its unit does not allow."""
    if not value.is_finite():
        return {"metric_value": "Enter a number."}
    if unit == MetricUnit.RATE and not Decimal(0) <= value <= Decimal(1):
        return {"metric_value": f"A rate is a fraction between 0 and 1 (0.82 for 82%); got {value}."}
    if unit == MetricUnit.COUNT and (value < 0 or value != value.to_integral_value()):
        return {"metric_value": f"A count is a whole number, zero or more; got {value}."}
    if value < 0:
        return {"metric_value": f"{MetricUnit(unit).label} cannot be negative; got {value}."}
    return {}


def check_period(start: date, end: date, today: date) -> dict[str, str]:
    if end < start:
        return {"period_end": "The period ends before it starts."}
    if start > today:
        return {"period_start": "The period starts in the future; report a measured figure."}
    return {}
