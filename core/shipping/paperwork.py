"""The warehouse's paperwork as A4 PDFs: the pick list by SKU and one packing slip per order.

Drawn like the labels (core.shipping.labels): reportlab, Chinese text in the built-in CID font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from reportlab.lib.pagesizes import A4, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from core.shipping.labels import FONT, register_font
from core.shipping.warehouse import PackingSlip

MARGIN = 15 * mm
LINE = 15  # points between lines of 10-point text
# The pick list's columns: heading, x offset from the margin, and the width its text wraps in.
PICK_COLUMNS = (
    ("SKU", 0, 40 * mm),
    ("品名", 42 * mm, 55 * mm),
    ("数量", 99 * mm, 12 * mm),
    ("订单", 113 * mm, 67 * mm),
)


class _Writer:
    """Top-to-bottom text on A4 pages, starting a new page when the current one is full."""

    def __init__(self, title: str):
        register_font()
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.canvas.setTitle(title)
        self.y = A4[1] - MARGIN

    def line(self, text: str, size: int = 10) -> None:
        """A paragraph across the page, wrapped."""
        for part in simpleSplit(text, FONT, size, A4[0] - 2 * MARGIN):
            self.room_for(size + 5)
            self.canvas.setFont(FONT, size)
            self.canvas.drawString(MARGIN, self.y - size, part)
            self.y -= size + 5

    def row(self, cells: Sequence[tuple[str, float, float]]) -> None:
        """One table row: each cell's text wrapped in its width; the row is as tall as its tallest cell."""
        wrapped = [(simpleSplit(text, FONT, 10, width), x) for text, x, width in cells]
        height = max(len(lines) for lines, _ in wrapped) * LINE
        self.room_for(height)
        self.canvas.setFont(FONT, 10)
        for lines, x in wrapped:
            for number, text in enumerate(lines):
                self.canvas.drawString(MARGIN + x, self.y - 10 - number * LINE, text)
        self.y -= height
        self.rule()

    def rule(self) -> None:
        self.canvas.setLineWidth(0.4)
        self.canvas.line(MARGIN, self.y + 3, A4[0] - MARGIN, self.y + 3)
        self.y -= 4

    def room_for(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.new_page()

    def new_page(self) -> None:
        self.canvas.showPage()
        self.y = A4[1] - MARGIN

    def done(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def pick_list_pdf(picks: list[dict], printed_at: datetime) -> bytes:
    """One pick list for the batch: a row per SKU with its product name, quantity and orders."""
    writer = _Writer("OrderHub 拣货单")
    orders = {order_no for pick in picks for order_no in pick["order_nos"]}
    writer.line("拣货单", 16)
    units = sum(pick["qty"] for pick in picks)
    writer.line(f"{printed_at:%Y-%m-%d %H:%M} · {len(orders)} 单 · {len(picks)} 个 SKU · {units} 件")
    writer.row([(heading, x, width) for heading, x, width in PICK_COLUMNS])
    for pick in picks:
        texts = (pick["sku"], pick["name"], str(pick["qty"]), "、".join(pick["order_nos"]))
        writer.row([(text, x, width) for text, (_, x, width) in zip(texts, PICK_COLUMNS, strict=True)])
    return writer.done()


def packing_slips_pdf(slips: list[PackingSlip], printed_at: datetime) -> bytes:
    """One page per order: who it goes to and from, and every item by name and quantity."""
    writer = _Writer("OrderHub 装箱单")
    for number, slip in enumerate(slips):
        if number:
            writer.new_page()
        writer.line(f"装箱单  {slip.order_no}", 16)
        writer.line(f"{slip.shop}  ·  {printed_at:%Y-%m-%d %H:%M}")
        writer.line(f"收件人 {slip.receiver}  {slip.phone_masked}")
        writer.line(f"地址 {slip.address}")
        writer.line(f"寄件人 {slip.sender.name}  {slip.sender.phone}  {slip.sender.address}")
        writer.row([("SKU", 0, 50 * mm), ("品名", 52 * mm, 100 * mm), ("数量", 155 * mm, 25 * mm)])
        for goods in slip.goods:
            writer.row([(goods.sku, 0, 50 * mm), (goods.name, 52 * mm, 100 * mm), (str(goods.qty), 155 * mm, 25 * mm)])
        writer.line(f"共 {sum(goods.qty for goods in slip.goods)} 件", 12)
    return writer.done()
