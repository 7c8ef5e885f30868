"""Restock: stock coming in (purchasing, purchase orders, the supplier's link, receipts, counts and
adjustments) and the held orders it releases."""
