"""Analytics: the DuckDB snapshot of the facts, the reports, KPIs, the big screen and analyst exports."""
