"""Demo data for `make run` and the tests: organisations, desks, staff of every role, the starter brain.

The top layer: it uses every app and no app uses it, so that demo data never
leaks into the product's own rules.
"""
