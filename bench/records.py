"""The made-up contact records of the report benchmark: they live in stats.sample_records (the demo uses them too)."""

from stats.sample_records import make_records

__all__ = ["make_records"]
