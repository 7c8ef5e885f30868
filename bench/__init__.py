"""Benchmarks: each module measures one thing side by side with the raw engine and writes JSON."""
