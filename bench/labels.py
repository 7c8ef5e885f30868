"""Shipping labels: 100 (and 1,000) waybills rendered as one PDF; target under 3 s for 100."""

from __future__ import annotations

from datetime import datetime

from bench.common import best_of, write
from core.shipping import labels
from core.shipping.senders import Sender

TARGET_SECONDS_PER_100 = 3.0
SENDER = Sender("萌宠天猫旗舰店 杭州仓", "0571-88886666", "浙江省杭州市余杭区仓前街道文一西路 1500 号")


def sample(count: int) -> list[labels.Label]:
    """Realistic waybills: Chinese names and addresses, masked phones, a few goods per order."""
    return [
        labels.Label(
            tracking_no=f"SF{n:012d}",
            carrier="SF",
            order_no=f"TB2026112{n:08d}",
            shop="萌宠天猫旗舰店",
            receiver="张伟",
            phone_masked="138****1234",
            address="广东省深圳市南山区科技园南区高新南七道 18 号 3 栋 1201 室",
            destination="广东 深圳",
            items="成犬粮 2kg×2、豆腐猫砂 10L×1、发声玩具鸭×3",
            printed_at=datetime(2026, 11, 26, 9, 30),
            sender=SENDER,
        )
        for n in range(count)
    ]


def main() -> None:
    labels.render(sample(1))  # registers the CID font once, as the app does on its first print
    hundred, thousand = sample(100), sample(1000)
    seconds_100 = best_of(3, lambda: labels.render(hundred))
    seconds_1000 = best_of(1, lambda: labels.render(thousand))
    write(
        "labels",
        {
            "target_seconds_per_100": TARGET_SECONDS_PER_100,
            "seconds_100_labels": seconds_100,
            "seconds_1000_labels": seconds_1000,
            "pdf_kb_100_labels": round(len(labels.render(hundred)) / 1024),
            "meets_target": seconds_100 < TARGET_SECONDS_PER_100,
        },
    )


if __name__ == "__main__":
    main()
