"""The rule table (`table`) and the modules of built-in rules that fill it.

The package imports nothing itself, so a pass that reads the table
(`from .rules.table import lookup`) depends on `table` alone, and a rule module
may use a pass's helpers (`shapes`) without a cycle. `builtin` loads every
built-in rule module; `srcdiff/__init__.py` imports it before anything else.
"""
