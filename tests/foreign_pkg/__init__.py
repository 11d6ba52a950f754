"""A small package of the user's own, for tests/test_foreign_helpers.py: helpers
in modules other than the function differentiated, reading their own module's
names (`numpy_`, `m`, `SCALE`, each other)."""
