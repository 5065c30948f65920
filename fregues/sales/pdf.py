"""The quote as a PDF the customer receives: A4, in the quote's language, made with fpdf2.

fpdf2 is pure Python and ships no fonts; its core Helvetica is on every machine. We write it
in the Windows-1252 encoding (PDF's WinAnsiEncoding), which covers Portuguese ("Orçamento",
"João"), the euro, pound and yen signs and the typographic quotes; anything else (another
currency's symbol, a narrow space) is replaced by something the font has (the currency's
code, a space), so no text ever fails to render.
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from fregues.parties.normalize import format_tax_id

from .models import Quote
from .money import money

ENCODING = "windows-1252"
_LOCALES = {"pt-br": "pt_BR", "pt-pt": "pt_PT", "en": "en"}
_SPACES = {"\u202f", "\u2009", "\u2007", "\u2002", "\u2003", "\u200a"}
INK = (27, 36, 48)
MUTED = (95, 107, 122)
ACCENT = (15, 118, 110)
RULE = (207, 214, 222)


def pdf_text(text: Any, currency: str = "") -> str:
    """``text`` with every character the core font cannot draw replaced: odd spaces by a
    space, a currency symbol by the currency's code (``₹`` → ``INR``), an accented letter
    outside Windows-1252 by its base letter, anything else by ``?``."""
    out = []
    for char in str(text or ""):
        if char in _SPACES:
            out.append(" ")
            continue
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            if unicodedata.category(char) == "Sc":
                out.append(currency or "?")
                continue
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(base or "?")
        else:
            out.append(char)
    return "".join(out)


def _locale(language: str) -> str:
    return _LOCALES.get((language or "pt-br").lower(), "pt_BR")


def unit_money(amount: Any, currency: str, language: str = "pt-br") -> str:
    """A unit price as the reader writes it, keeping up to 4 decimals when it has them
    (``R$ 33,335``; ``R$ 10,00`` for 10.0000)."""
    if amount is None or amount == "":
        return ""
    try:
        return format_currency(
            Decimal(amount), currency, locale=_locale(language), decimal_quantization=False
        )
    except (ValueError, ArithmeticError):
        return money(amount, currency, language)


def quantity_text(amount: Any, language: str = "pt-br") -> str:
    """``2`` for 2.000, ``1,5`` for 1.500 (the reader's decimal mark)."""
    if amount is None or amount == "":
        return ""
    number = Decimal(amount)
    number = number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()
    return format_decimal(number, locale=_locale(language), decimal_quantization=False)


def percent_text(amount: Any, language: str = "pt-br") -> str:
    number = Decimal(amount or 0)
    if not number:
        return "—"
    return f"{quantity_text(number, language)}%"


class _QuotePDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="R")


def _date(value: datetime.date | datetime.datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _customer_lines(quote: Quote) -> list[str]:
    party = quote.party
    out = [party.legal_name or party.name]
    if party.legal_name and party.legal_name != party.name:
        out.append(party.name)
    if party.tax_id:
        label = (party.tax_id_kind or _("Tax id")).upper()
        out.append(f"{label}: {format_tax_id(party.tax_id, party.tax_id_kind)}")
    points = list(party.contact_points.all())
    address = next((p for p in points if p.kind == "address"), None)
    if address is not None:
        street = " ".join(x for x in (address.street, address.number) if x)
        if address.complement:
            street = f"{street}, {address.complement}" if street else address.complement
        place = " - ".join(x for x in (address.district, address.city, address.region) if x)
        out += [x for x in (street, place, address.postal_code) if x]
    email = next((p for p in points if p.kind == "email"), None)
    phone = next((p for p in points if p.kind == "phone"), None)
    reach = " · ".join(p.value for p in (email, phone) if p is not None)
    if reach:
        out.append(reach)
    return out


def quote_pdf(quote: Quote, *, link: str = "") -> bytes:
    """The quote's PDF (``%PDF``...): the company, the customer, the lines, the totals, the
    validity, the terms and, when given, the link where the customer accepts it."""
    language = quote.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return bytes(_render(quote, link, language))


def _render(quote: Quote, link: str, language: str) -> bytearray:
    currency = quote.currency

    def t(text: Any) -> str:
        return pdf_text(text, currency)

    def m(amount: Any) -> str:
        return t(money(amount, currency, language))

    pdf = _QuotePDF(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(t(f"{_('Quote')} {quote.number}"))
    pdf.set_author(t(settings.COMPANY_NAME))
    pdf.set_creator("Freguês")
    pdf.footer_text = t(f"{settings.COMPANY_NAME} · {_('Quote')} {quote.number}")
    pdf.add_page()
    width = pdf.epw

    # The company on the left, the document on the right.
    top = pdf.get_y()
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(width * 0.58, 7, t(settings.COMPANY_NAME), new_x="LMARGIN", new_y="NEXT")
    if settings.COMPANY_DETAILS:
        pdf.set_font("Helvetica", size=8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            width * 0.58, 4.2, t(settings.COMPANY_DETAILS), new_x="LMARGIN", new_y="NEXT"
        )
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.6, top)
    pdf.set_font("Helvetica", style="B", size=17)
    pdf.set_text_color(*ACCENT)
    pdf.cell(width * 0.4, 8, t(_("Quote").upper()), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(width * 0.4, 6, t(quote.number), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", size=8.5)
    facts = [(_("Date"), _date(quote.sent_at or quote.created_at))]
    if quote.valid_until:
        facts.append((_("Valid until"), _date(quote.valid_until)))
    if quote.owner is not None:
        facts.append((_("Salesperson"), quote.owner.display_name))
    for label, value in facts:
        pdf.cell(width * 0.4, 4.6, t(f"{label}: {value}"), align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_bottom) + 4)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(5)

    # The customer.
    pdf.set_font("Helvetica", style="B", size=7.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 4, t(_("Customer").upper()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    for i, text in enumerate(_customer_lines(quote)):
        pdf.set_font("Helvetica", style="B" if i == 0 else "", size=10 if i == 0 else 8.5)
        pdf.multi_cell(width, 5 if i == 0 else 4.3, t(text), new_x="LMARGIN", new_y="NEXT")
    if quote.contact_id and quote.contact is not None and quote.contact_id != quote.party_id:
        pdf.set_font("Helvetica", size=8.5)
        pdf.cell(
            0, 4.6, t(f"{_('Attention')}: {quote.contact.name}"), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(4)
    if quote.title:
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.multi_cell(width, 6, t(quote.title), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    # The lines.
    lines = list(quote.lines.all())
    headings = [
        _("SKU"),
        _("Description"),
        _("Qty"),
        _("Unit"),
        _("Unit price"),
        _("Discount"),
        _("Tax"),
        _("Total"),
    ]
    pdf.set_font("Helvetica", size=8)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=(17, 54, 12, 10, 23, 14, 12, 26),
        text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=(240, 244, 246)),
        line_height=4.4,
        padding=(1.4, 1.2),
        width=width,
    ) as table:
        row = table.row()
        for heading in headings:
            row.cell(t(heading))
        for line in lines:
            row = table.row()
            row.cell(t(line.sku or "—"))
            row.cell(t(line.description))
            row.cell(t(quantity_text(line.quantity, language)))
            row.cell(t(line.unit))
            row.cell(t(unit_money(line.unit_price, currency, language)))
            row.cell(t(percent_text(line.discount_percent, language)))
            row.cell(t(percent_text(line.tax_rate, language)))
            row.cell(m(line.total))
        if not lines:
            row = table.row()
            row.cell(t(_("No lines yet.")), colspan=len(headings))
    pdf.ln(3)

    # The totals, on the right.
    sums = [
        (_("Subtotal"), m(quote.subtotal), False),
        (_("Discounts"), m(-quote.discount_total) if quote.discount_total else m(0), False),
        (_("Taxes"), m(quote.tax_total), False),
        (_("Total"), m(quote.total), True),
    ]
    label_w, value_w = 40.0, 32.0
    for label, value, strong in sums:
        pdf.set_x(pdf.l_margin + width - label_w - value_w)
        pdf.set_font("Helvetica", style="B" if strong else "", size=11 if strong else 9)
        if strong:
            pdf.set_draw_color(*INK)
            pdf.line(pdf.get_x(), pdf.get_y(), pdf.get_x() + label_w + value_w, pdf.get_y())
        pdf.cell(label_w, 6.5 if strong else 5.2, t(label), align="R")
        pdf.cell(value_w, 6.5 if strong else 5.2, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    # Validity, terms, the link.
    pdf.set_text_color(*INK)
    if quote.valid_until:
        pdf.set_font("Helvetica", style="B", size=9)
        pdf.multi_cell(
            width,
            5,
            t(
                _("This quote is valid until %(date)s.")
                % {"date": formats.date_format(quote.valid_until, "DATE_FORMAT")}
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(1)
    if quote.terms:
        pdf.set_font("Helvetica", style="B", size=7.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 5, t(_("Terms and notes").upper()), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 4.4, t(quote.terms), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if link:
        pdf.ln(2)
        pdf.set_fill_color(230, 244, 242)
        pdf.set_font("Helvetica", style="B", size=9.5)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(
            width,
            6,
            t(_("Accept or decline this quote online, no account needed:")),
            fill=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("Helvetica", style="U", size=8.5)
        pdf.multi_cell(width, 5, t(link), link=link, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    return pdf.output()


def pdf_response(quote: Quote, link: str = "", inline: bool = True) -> HttpResponse:
    """The quote's PDF as an HTTP answer (``ORC-2026-000041.pdf``), shown or downloaded."""
    response = HttpResponse(quote_pdf(quote, link=link), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quote.number}.pdf"'
    return response
