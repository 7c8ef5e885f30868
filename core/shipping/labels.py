"""Shipping labels: one 100×150 mm page per order, Chinese text in a built-in CID font, Code128 waybill."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from core.carriers import CARRIER_NAMES
from core.shipping.senders import Sender

FONT = "STSong-Light"  # ships inside reportlab's CID support: no font file to install
PAGE = (100 * mm, 150 * mm)  # the common thermal e-waybill size
MARGIN = 5 * mm


@dataclass(frozen=True)
class Label:
    """What a waybill shows. The phone is always masked (138****1234), as on privacy waybills."""

    tracking_no: str
    carrier: str
    order_no: str
    shop: str
    receiver: str
    phone_masked: str
    address: str
    destination: str  # province and city in large type (大头笔), for sorting at the depot
    items: str  # product names and quantities
    printed_at: datetime
    sender: Sender
    routing: str = ""  # the carrier's 大头笔, printed large in place of the destination
    sort_code: str = ""  # the carrier's 三段码 / sort code, under the routing code
    demo: bool = False  # from the demo aggregator: the label says 演示, nobody may ship with it


def register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render(labels: list[Label]) -> bytes:
    """All labels as one PDF, one page each."""
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, pageCompression=1)
    canvas.setTitle("OrderHub 面单")
    for label in labels:
        _draw(canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, label: Label) -> None:
    """Top to bottom: carrier, waybill barcode, destination (大头笔), receiver, sender, goods, sign-off."""
    width, height = PAGE
    y = height - MARGIN - 14
    canvas.setFont(FONT, 16)
    canvas.drawString(
        MARGIN, y, CARRIER_NAMES.get(label.carrier, label.carrier) + ("  演示 不可发货" if label.demo else "")
    )
    canvas.setFont(FONT, 8)
    canvas.drawRightString(width - MARGIN, y + 2, label.printed_at.strftime("%Y-%m-%d %H:%M"))
    y = _rule(canvas, y - 6)
    y = _barcode(canvas, label.tracking_no, y - 3 * mm, 18 * mm, 0.4 * mm, 12)
    y = _rule(canvas, y - 5)
    y = _routing(canvas, label, y)
    y = _block(canvas, "收", f"{label.receiver}  {label.phone_masked}", label.address, y - 18, 12)
    y = _rule(canvas, y - 8)
    sender = label.sender
    y = _block(canvas, "寄", f"{sender.name}  {sender.phone}", sender.address, y - 18, 10)
    y = _rule(canvas, y - 8)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, y - 14, f"订单号 {label.order_no}")
    y -= 14
    for line in simpleSplit(f"货品 {label.items}", FONT, 9, width - 2 * MARGIN)[:4]:
        y -= 12
        canvas.drawString(MARGIN, y, line)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, MARGIN + 4, "签收人：                 签收时间：")
    _rule(canvas, MARGIN + 16)


def _routing(canvas: Canvas, label: Label, y: float) -> float:
    """The carrier's routing code (大头笔) large with its sort code under it; else the destination."""
    width = PAGE[0]
    if not label.routing:
        canvas.setFont(FONT, 22)
        canvas.drawCentredString(width / 2, y - 26, label.destination)
        return _rule(canvas, y - 36)
    canvas.setFont(FONT, 26)
    canvas.drawCentredString(width / 2, y - 28, label.routing)
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, y - 42, f"{label.sort_code}  {label.destination}".strip())
    return _rule(canvas, y - 48)


def _barcode(canvas: Canvas, code: str, top: float, bar_height: float, bar_width: float, size: int) -> float:
    """A centred Code128 barcode with its number printed under it; returns the y below the number."""
    barcode = Code128(code, barHeight=bar_height, barWidth=bar_width, quiet=False)
    barcode.drawOn(canvas, (PAGE[0] - barcode.width) / 2, top - bar_height)
    canvas.setFont(FONT, size)
    canvas.drawCentredString(PAGE[0] / 2, top - bar_height - size - 2, code)
    return top - bar_height - size - 2


def _block(canvas: Canvas, tag: str, first: str, rest: str, y: float, size: int) -> float:
    """A tagged block (收 receiver / 寄 sender): the first line, then the rest wrapped; returns the last y."""
    width = PAGE[0]
    canvas.setFont(FONT, 14)
    canvas.drawString(MARGIN, y, tag)
    canvas.setFont(FONT, size)
    text_x = MARGIN + 8 * mm
    canvas.drawString(text_x, y, first)
    for line in simpleSplit(rest, FONT, size, width - text_x - MARGIN)[:4]:
        y -= size + 4
        canvas.drawString(text_x, y, line)
    return y


def _rule(canvas: Canvas, y: float) -> float:
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y, PAGE[0] - MARGIN, y)
    return y
