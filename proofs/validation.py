"""Checks on what a seller offers as evidence: file content, link scheme, metric value by unit."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from core.csv_export import runs_as_formula
from proofs.models import MetricUnit

MAX_FILE_BYTES = 10 * 1024 * 1024
# A larger picture is refused before it is decoded: decoding it would take hundreds of MB.
MAX_IMAGE_PIXELS = 50_000_000

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
            CONTENT_CHECKS[mime](content)
            return mime
    if b"\x00" in content:
        raise ValidationError(f"The file's content is not {ALLOWED}.")
    try:
        text = content.decode("utf-8-sig")
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
    if TEXT_TYPES[extension] == "text/csv":
        check_csv(text)
    return TEXT_TYPES[extension]


# Images: Pillow decodes the whole picture, and nothing may follow its last chunk or marker (a
# file that is an image and something else at once, e.g. HTML appended, is refused).


def _png_end(content: bytes) -> int | None:
    """Where the PNG's IEND chunk ends, walking its chunks; None if it has none."""
    position = 8
    while position + 12 <= len(content):
        length = int.from_bytes(content[position : position + 4], "big")
        kind = content[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position if position <= len(content) else None
    return None


# JPEG markers that stand alone, without a length: TEM and the restart markers RST0-RST7.
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _jpeg_end(content: bytes) -> int | None:
    """Where the JPEG's EOI marker ends, walking its segments (so the EOI of an embedded thumbnail
    or a byte pair inside the compressed data is never taken for it); None if it has none."""
    position, size = 2, len(content)
    while position + 1 < size:
        if content[position] != 0xFF:
            return None
        marker = content[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:
            return position + 2
        if marker in JPEG_STANDALONE:
            position += 2
            continue
        if position + 4 > size:
            return None
        length = int.from_bytes(content[position + 2 : position + 4], "big")
        if length < 2:
            return None
        position += 2 + length
        if marker != 0xDA:
            continue
        # After a start of scan: compressed data up to the next marker (0xFF00 is a data byte).
        while True:
            position = content.find(b"\xff", position)
            if position < 0 or position + 1 >= size:
                return None
            following = content[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                position += 2
            elif following == 0xFF:
                position += 1
            else:
                break
    return None


def _check_image(content: bytes, *, format: str, label: str, end_marker: str, end: Callable) -> None:
    try:
        with Image.open(io.BytesIO(content), formats=[format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    f"The image is {width} x {height} pixels; the limit is "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} million pixels."
                )
            image.verify()
        # verify() leaves the image unusable: open it again and decode every pixel.
        with Image.open(io.BytesIO(content), formats=[format]) as image:
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            f"The image is too large; the limit is {MAX_IMAGE_PIXELS // 1_000_000} million pixels."
        ) from None
    except Exception:  # Pillow reports a broken image through many exception types
        raise ValidationError(f"The file starts like a {label} but cannot be decoded as one.") from None
    stop = end(content)
    if stop is None:
        raise ValidationError(
            f"The file is not a complete {label}: its end marker ({end_marker}) is missing."
        )
    if stop < len(content):
        raise ValidationError(
            f"{len(content) - stop} byte(s) follow the end of the {label} ({end_marker}); "
            "upload the image alone."
        )


def check_png(content: bytes) -> None:
    _check_image(content, format="PNG", label="PNG image", end_marker="IEND chunk", end=_png_end)


def check_jpeg(content: bytes) -> None:
    _check_image(content, format="JPEG", label="JPEG image", end_marker="EOI marker", end=_jpeg_end)


# PDFs: pypdf (pure Python, well kept) parses the document, so names written with #xx escapes or
# kept in compressed object streams are seen too; every object in the cross-reference table and
# every one referenced is walked, and a byte-level scan of the file outside its streams catches an
# object the table leaves out. A document carrying JavaScript (/JS, /JavaScript, an /OpenAction or
# /AA additional action that runs it), an XFA form (its scripts) or a /Launch action is refused:
# evidence never needs them. A PDF that cannot be parsed is refused rather than trusted.
PDF_FORBIDDEN_NAMES = frozenset({"/JS", "/JavaScript", "/AA", "/Launch", "/XFA"})
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
PDF_STREAM_DATA = re.compile(rb"(?<=[\s>])stream\r?\n.*?endstream", re.S)
PDF_NAME = re.compile(rb"/(?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _pdf_scan_bytes(content: bytes) -> str | None:
    outside_streams = PDF_STREAM_DATA.sub(b"stream endstream", content)
    if MARKUP.search(outside_streams):
        raise ValidationError("The PDF contains HTML or script; upload a plain PDF document.")
    for match in PDF_NAME.finditer(outside_streams):
        name = PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), match[0]).decode("latin-1")
        if name in PDF_FORBIDDEN_NAMES:
            return name
    return None


def _pdf_forbidden_name_in_objects(reader: PdfReader) -> str | None:
    pending: list = [reader.trailer]
    pending += [IndirectObject(n, g, reader) for g, numbers in reader.xref.items() for n in numbers]
    pending += [IndirectObject(n, 0, reader) for n in reader.xref_objStm]
    seen: set[tuple[int, int]] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in PDF_FORBIDDEN_NAMES:
                    return key
                pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, NameObject) and item in PDF_FORBIDDEN_NAMES:
            return str(item)
    return None


def check_pdf(content: bytes) -> None:
    last_eof = content.rfind(b"%%EOF")
    if last_eof < 0:
        raise ValidationError("The file is not a complete PDF document: its end marker (%%EOF) is missing.")
    trailing = content[last_eof + len(b"%%EOF") :]
    if trailing.strip(PDF_WHITESPACE):
        raise ValidationError(
            f"{len(trailing)} byte(s) follow the end of the PDF document (%%EOF); upload the document alone."
        )
    name = _pdf_scan_bytes(content)
    if name is None:
        try:
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                try:
                    decrypted = reader.decrypt("")
                except Exception:  # e.g. a cipher pypdf cannot undo without an extra package
                    decrypted = False
                if not decrypted:
                    raise ValidationError("The PDF is encrypted; upload it without a password or encryption.")
            name = _pdf_forbidden_name_in_objects(reader)
        except ValidationError:
            raise
        except Exception:  # pypdf reports a broken document through many exception types
            raise ValidationError(
                "The file starts like a PDF document but cannot be read as one; "
                "save or print it again as PDF and upload that."
            ) from None
    if name is not None:
        raise ValidationError(
            f"The PDF carries JavaScript, a form script or an action that launches a program ({name}); "
            "upload a PDF without scripts or actions, e.g. printed again to PDF."
        )


CONTENT_CHECKS: dict[str, Callable[[bytes], None]] = {
    "application/pdf": check_pdf,
    "image/png": check_png,
    "image/jpeg": check_jpeg,
}


# CSV: the desk opens evidence as the seller sent it, so a cell a spreadsheet would run as a
# formula (core.csv_export) is refused rather than changed. The cells are read as comma-,
# semicolon- and tab-separated alike, as spreadsheets guess.


def check_csv(text: str) -> None:
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for row in reader:
                for cell in row:
                    value = cell.lstrip(" ")
                    if runs_as_formula(value):
                        raise ValidationError(
                            f"Line {reader.line_num}: the cell {value[:40]!r} starts with {value[0]!r}, "
                            "which a spreadsheet runs as a formula; remove that character or put a "
                            "single quote (') before it."
                        )
        except csv.Error as error:
            raise ValidationError(f"The CSV cannot be read at line {reader.line_num}: {error}.") from None


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
