"""The customer's documents as PDF, drawn on the server with fpdf2 (pure Python).

The figures are written by the same functions as the pages (core.figures, the proof report's
filters), from the same objects (`CustomerQuote`, `CustomerReport`), so the PDF says what the
page says. Text is set in DejaVu Sans (shipped in proofs/fonts/, Bitstream Vera licence, see
its LICENSE), embedded as the subset a document uses: Latin, Greek and Cyrillic letters with
every accent, "€" and the usual typography. A character the font lacks (Chinese or Japanese
ideographs, for one) is written as its closest letter without accents, or "?": the download never
fails on a name.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils import timezone
from django.utils.formats import date_format
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from core.figures import DASH, money, percent, points
from proofs.documents import CustomerQuote, count
from proofs.models import ArtifactKind, ProofArtifact
from proofs.reports import CustomerReport
from proofs.templatetags.proofs_format import metric

# fontTools reports each subset it cuts at INFO: a dozen lines per document in the server's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT = "DejaVu"
FONT_FILES = {
    "": Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
    "B": Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf",
}
INK = (29, 36, 51)
MUTED = (91, 100, 117)
LINE = (221, 225, 232)
ACCENT = (36, 84, 197)
BAND = (214, 224, 247)
HEADING = FontFace(emphasis="BOLD", color=MUTED, fill_color=(246, 247, 249))


@cache
def covered() -> frozenset[int]:
    """The code points the document font draws (read once from its character map)."""
    with TTFont(FONT_FILES[""], lazy=True) as font:
        return frozenset(font.getBestCmap())


def plain(text: object) -> str:
    """`text` in the characters the document font has; any other as its letter without
    accents, or "?"."""
    has = covered()
    out = []
    for char in unicodedata.normalize("NFC", str(text)):
        if ord(char) in has or char in "\n\t":
            out.append(char)
        else:
            stripped = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(stripped or "?")
    return "".join(out)


def day(value: date) -> str:
    return date_format(value, "j F Y")


def month(value: date | None) -> str:
    return DASH if value is None else date_format(value, "M Y")


class Document(FPDF):
    """An A4 page with the document's footer line on every page."""

    def __init__(self, title: str, footer: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        for style, file in FONT_FILES.items():
            self.add_font(FONT, style, file)
        self.footer_text = plain(footer)
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(plain(title))
        self.set_creator("Deal desk")
        self.alias_nb_pages()
        self.add_page()

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=7)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 3.2, f"{self.footer_text}   Page {self.page_no()} of {{nb}}", align="L")

    def say(self, text: str, *, size: float = 10, style: str = "", color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, style=style, size=size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, plain(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        if self.will_page_break(30):
            self.add_page()
        self.ln(4)
        self.say(text, size=13, style="B")
        self.ln(1)

    def grid(
        self,
        head: list[str],
        rows: list[list[str]],
        widths: tuple[float, ...],
        align: tuple[str, ...],
        bold_last: int = 0,
    ) -> None:
        """A table; numbers right-aligned where `align` says "R"; the last `bold_last` rows bold."""
        self.set_font(FONT, size=9)
        self.set_text_color(*INK)
        self.set_draw_color(*LINE)
        with self.table(
            col_widths=widths,
            text_align=align,
            headings_style=HEADING,
            borders_layout="HORIZONTAL_LINES",
            line_height=5,
            padding=(1.2, 1.5),
        ) as table:
            heading = table.row()
            for cell in head:
                heading.cell(plain(cell))
            for index, values in enumerate(rows):
                style = FontFace(emphasis="BOLD") if index >= len(rows) - bold_last else None
                row = table.row(style=style)
                for value in values:
                    row.cell(plain(value))
        self.ln(2)


def _header(pdf: Document, kind: str, title: str, lines: list[str], aside: list[str]) -> None:
    top = pdf.get_y()
    pdf.say(kind, size=9, color=MUTED)
    pdf.say(title, size=18, style="B")
    for line in lines:
        pdf.say(line, size=10)
    bottom = pdf.get_y()
    pdf.set_xy(pdf.w - pdf.r_margin - 70, top)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(70, 4.5, plain("\n".join(aside)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 3)
    pdf.set_draw_color(*LINE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)


def _bill_chart(pdf: Document, quote: CustomerQuote) -> None:
    """The P10-P90 band of the monthly bill on a scale from zero, its P50 marked."""
    bill, currency = quote.bill, quote.currency
    width = pdf.epw
    top = bill.p90 * Decimal("1.15") if bill.p90 > 0 else Decimal(1)

    def x(value: Decimal) -> float:
        return pdf.l_margin + float(value / top) * width

    y = pdf.get_y() + 8
    pdf.set_draw_color(*LINE)
    pdf.set_fill_color(246, 247, 249)
    pdf.rect(pdf.l_margin, y, width, 8, style="F")
    pdf.set_fill_color(*BAND)
    pdf.rect(x(bill.p10), y, max(x(bill.p90) - x(bill.p10), 0.5), 8, style="F")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(x(bill.p50), y - 2, x(bill.p50), y + 10)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(*MUTED)
    for label, value, above in (
        ("Low (P10)", bill.p10, False),
        ("Most likely (P50)", bill.p50, True),
        ("High (P90)", bill.p90, False),
    ):
        text = plain(f"{label}: {money(value, currency)}")
        text_width = pdf.get_string_width(text)
        left = min(max(x(value) - text_width / 2, pdf.l_margin), pdf.w - pdf.r_margin - text_width)
        pdf.text(left, y - 3.5 if above else y + 13.5, text)
    pdf.text(pdf.l_margin, y + 18, plain(f"0 {currency}"))
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(*LINE)
    pdf.set_y(y + 21)


def quote_pdf(quote: CustomerQuote) -> bytes:
    deal, currency = quote.deal, quote.currency
    snapshot = quote.snapshot
    pdf = Document(
        f"Quote for {deal.customer.name}: {deal.name}",
        f"Quote reference: snapshot {snapshot.pk}, SHA-256 {snapshot.hash}, pricing engine "
        f"{snapshot.engine_version}. The figures can be checked against this hash "
        f"(replay_quote {snapshot.pk}).",
    )
    validity = ("Accepted" if quote.accepted else f"Valid until {day(quote.valid_until)}") + (
        " (expired)" if quote.expired else ""
    )
    seller = quote.seller_name + (f" ({quote.seller_email})" if quote.seller_email else "")
    _header(
        pdf,
        "Quote",
        deal.customer.name,
        [deal.name, f"Plan: {quote.plan}"],
        [f"Issued {day(quote.issued)}", validity, f"Prepared by {seller}" if seller else ""],
    )

    pdf.heading("Your price")
    rows = [[line.label, line.terms, line.basis, money(line.monthly)] for line in quote.lines]
    totals = [["Monthly list price", "", "", money(quote.list_monthly)]]
    if quote.discount_amount or quote.discount_pct:
        totals.append(
            [f"Discount ({count(quote.discount_pct)}%)", "", "", f"-{money(quote.discount_amount)}"]
        )
    totals += [
        ["Your monthly price", "At the expected volumes", "", money(quote.net_monthly)],
        ["Term", f"{quote.term_months} months", "", ""],
        [
            "Total contract value",
            f"{quote.term_months} x your monthly price",
            "",
            money(quote.total_contract_value),
        ],
    ]
    pdf.grid(
        ["Price component", "How it is charged", "Priced on", f"Monthly ({currency})"],
        rows + totals,
        (34, 78, 40, 26),
        ("LEFT", "LEFT", "LEFT", "RIGHT"),
        bold_last=len(totals),
    )

    pdf.heading("What you will most likely pay")
    bill = quote.bill
    pdf.say(
        f"Your monthly bill follows the work done. It will most likely be about "
        f"{money(bill.p50, currency)}; in eight months out of ten it falls between "
        f"{money(bill.p10, currency)} (P10) and {money(bill.p90, currency)} (P90).",
        size=10,
    )
    _bill_chart(pdf, quote)

    pdf.heading("What counts as done")
    pdf.grid(
        ["Work unit", "Done when", "Measured from", "Expected a month"],
        [[u.name, u.acceptance_criterion, u.metering_source, count(u.monthly_quantity)] for u in quote.units]
        or [["No metered work", "", "", ""]],
        (36, 80, 40, 22),
        ("LEFT", "LEFT", "LEFT", "RIGHT"),
    )

    pdf.heading("If the automation fails")
    pdf.say(quote.rollback_path or DASH, size=10)
    return bytes(pdf.output())


def report_pdf(report: CustomerReport, sample_url: Callable[[ProofArtifact], str | None]) -> bytes:
    """The proof report; `sample_url` gives the address a file sample is fetched from (the
    share link's), or None where there is none to give."""
    deal = report.deal
    prepared = timezone.localdate()
    pdf = Document(
        f"Proof of performed work: {deal.customer.name}",
        f"Proof of performed work for {deal.customer.name}, {deal.name}. Prepared {day(prepared)}.",
    )
    _header(pdf, "Proof of performed work", deal.customer.name, [deal.name], [f"Prepared {day(prepared)}"])

    if report.to_date:
        pdf.heading("To date")
        pdf.grid(
            ["Work unit", "Volume", "Accepted", "Acceptance rate", "Overridden", "Override rate"],
            [
                [
                    row.work_unit,
                    f"{count(row.quantity)} {row.value_unit}{'' if row.quantity == 1 else 's'}",
                    count(row.accepted),
                    percent(row.acceptance_rate),
                    count(row.overridden),
                    percent(row.override_rate),
                ]
                for row in report.to_date
            ],
            (46, 38, 22, 26, 22, 24),
            ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )

    pdf.heading("What counts as done")
    pdf.grid(
        ["Work unit", "Done when", "Measured from"],
        [[u.name, u.acceptance_criterion, u.metering_source] for u in report.work_units]
        or [["No work unit", "", ""]],
        (44, 90, 44),
        ("LEFT", "LEFT", "LEFT"),
    )

    pdf.heading("Work performed by month")
    if report.periods:
        pdf.grid(
            ["Month", "Work unit", "Volume", "Accepted", "Acceptance rate", "Overridden", "Override rate"],
            [
                [
                    date_format(period.period, "F Y") if index == 0 else "",
                    row.work_unit,
                    count(row.quantity),
                    count(row.accepted),
                    percent(row.acceptance_rate),
                    count(row.overridden),
                    percent(row.override_rate),
                ]
                for period in report.periods
                for index, row in enumerate(period.rows)
            ],
            (26, 40, 22, 22, 24, 22, 22),
            ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        )
    else:
        pdf.say("No performed work has been recorded yet.")

    if report.baselines:
        pdf.heading("Baseline against now")
        pdf.grid(
            ["Measure", "Baseline", "Measured", "Now", "Change"],
            [
                [
                    f"{row.title} ({row.measure})",
                    metric(row.baseline),
                    f"{month(row.baseline.period_start)} to {month(row.baseline.period_end)}, "
                    f"{row.baseline.source}",
                    percent(row.now) + (f" ({date_format(row.now_period, 'F Y')})" if row.now_period else ""),
                    points(row.now, row.baseline.metric_value),
                ]
                for row in report.baselines
            ],
            (50, 22, 48, 34, 24),
            ("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT"),
        )

    if report.samples:
        pdf.heading("Quality samples")
        for sample in report.samples:
            what = ""
            if sample.kind == ArtifactKind.FILE:
                what = sample.file_name
            elif sample.kind == ArtifactKind.LINK:
                what = sample.url
            elif sample.kind == ArtifactKind.METRIC:
                what = metric(sample)
            pdf.say(f"{sample.requirement.title}: {what}", size=10, style="B")
            url = sample_url(sample) if sample.kind == ArtifactKind.FILE else sample.url or None
            if url:  # small enough that a share link's address keeps to one line
                pdf.set_font(FONT, size=6.5)
                pdf.set_text_color(*ACCENT)
                pdf.multi_cell(0, 3.5, plain(url), link=url, new_x="LMARGIN", new_y="NEXT")
            if sample.text:
                pdf.say(sample.text, size=9)
            pdf.say(day(timezone.localdate(sample.submitted_at)), size=8, color=MUTED)
            pdf.ln(2)
    return bytes(pdf.output())
