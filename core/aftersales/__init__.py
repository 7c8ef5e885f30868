"""After-sales: tickets, their one table of allowed steps, their effects on stock and orders, the
SLA clock and the buyer's lookup."""
