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

FONT = "STSong-Light"  # ships inside reportlab's CID support: no font file to install
PAGE = (100 * mm, 150 * mm)  # the common thermal e-waybill size
MARGIN = 5 * mm
CARRIER_NAMES = {
    "SF": "顺丰速运",
    "YTO": "圆通速递",
    "ZTO": "中通快递",
    "STO": "申通快递",
    "YD": "韵达快递",
    "JD": "京东物流",
    "EMS": "EMS",
}


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
    items: str
    printed_at: datetime


def render(labels: list[Label]) -> bytes:
    """All labels as one PDF, one page each."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, pageCompression=1)
    canvas.setTitle("OrderHub 面单")
    for label in labels:
        _draw(canvas, label)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, label: Label) -> None:
    width, height = PAGE
    top = height - MARGIN
    canvas.setFont(FONT, 16)
    canvas.drawString(MARGIN, top - 14, CARRIER_NAMES.get(label.carrier, label.carrier))
    canvas.setFont(FONT, 8)
    canvas.drawRightString(width - MARGIN, top - 12, label.printed_at.strftime("%Y-%m-%d %H:%M"))
    _rule(canvas, top - 20)
    barcode = Code128(label.tracking_no, barHeight=18 * mm, barWidth=0.38 * mm, quiet=False)
    barcode.drawOn(canvas, (width - barcode.width) / 2, top - 22 - 18 * mm)
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(width / 2, top - 30 - 18 * mm, label.tracking_no)
    _rule(canvas, top - 36 - 18 * mm)
    y = _block(canvas, "收", f"{label.receiver}  {label.phone_masked}", label.address, top - 50 - 18 * mm, 12)
    _rule(canvas, y - 4)
    y = _block(canvas, "寄", label.shop, "", y - 18, 10)
    _rule(canvas, y - 4)
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, y - 16, f"订单号 {label.order_no}")
    for line in simpleSplit(f"货品 {label.items}", FONT, 9, width - 2 * MARGIN)[:6]:
        y -= 12
        canvas.drawString(MARGIN, y - 16, line)


def _block(canvas: Canvas, tag: str, first: str, rest: str, y: float, size: int) -> float:
    """A tagged block (收 receiver / 寄 sender): first line bold-ish, the rest wrapped; returns the last y."""
    width = PAGE[0]
    canvas.setFont(FONT, 14)
    canvas.drawString(MARGIN, y, tag)
    canvas.setFont(FONT, size)
    text_x = MARGIN + 8 * mm
    canvas.drawString(text_x, y, first)
    for line in simpleSplit(rest, FONT, size, width - text_x - MARGIN)[:4]:
        y -= size + 3
        canvas.drawString(text_x, y, line)
    return y


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y, PAGE[0] - MARGIN, y)
