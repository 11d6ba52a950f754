"""Every template of the rule table is exercised by the suite (issue 14).

A pytest plugin: it records each table entry (a vjp or jvp template, the
scalar or array spelling of a pair, a joint tangent) that the suite instantiates,
and when the whole suite has run it fails the session, listing any entry no test
reached: an entry no test reaches could be broken without a test failing.
Entries are identified by the object written in the table, so a template shared
by several keys (`np.sum` and `.sum()`) is exercised through either.
"""
from __future__ import annotations

import glob
import os

import pytest

from srcdiff.rules import table

_USED: set = set()
_template = table.Rule.template
_joint = table.Rule.joint_template


def _entry(rule, mode, param):
    entries = rule.vjp if mode == "vjp" else rule.jvp
    return entries.get(param, entries.get("*"))


def _recording_template(self, mode, param, scalar, bound):
    entry = _entry(self, mode, param)
    key = (id(entry), scalar if isinstance(entry, tuple) else None)
    try:
        tree = _template(self, mode, param, scalar, bound)
    except Exception:  # a template that refuses (with its reason) is reached too
        _USED.add(key)
        raise
    if tree is not None:
        _USED.add(key)
    return tree


def _recording_joint(self, bound):
    _USED.add((id(self.jvp_joint), None))
    return _joint(self, bound)


table.Rule.template = _recording_template
table.Rule.joint_template = _recording_joint


def required() -> dict:
    """(entry id, variant) -> a description, for every template in the table."""
    out = {}
    for key, rule in list(table.RULES.items()):
        if rule.zero or not rule.derivative:
            continue
        for mode, entries in (("vjp", rule.vjp), ("jvp", rule.jvp)):
            for param, entry in entries.items():
                if entry is None:
                    continue
                what = f"{rule.name} {mode} {param} ({key!r})"
                if isinstance(entry, tuple):
                    out[(id(entry), True)] = what + " scalar spelling"
                    out[(id(entry), False)] = what + " array spelling"
                else:
                    out.setdefault((id(entry), None), what)
        if rule.jvp_joint is not None:
            out.setdefault((id(rule.jvp_joint), None), f"{rule.name} joint jvp ({key!r})")
    return out


def _whole_suite(session) -> bool:
    """Only a run of every test module, unfiltered, can judge liveness."""
    opt = session.config.option
    if getattr(opt, "keyword", "") or getattr(opt, "markexpr", "") or session.testsfailed:
        return False
    here = os.path.dirname(__file__)
    modules = {os.path.abspath(p) for p in glob.glob(os.path.join(here, "test_*.py"))}
    ran = {os.path.abspath(str(item.path)) for item in session.items}
    return modules <= ran


def pytest_sessionfinish(session, exitstatus):
    if exitstatus != 0 or not _whole_suite(session):
        return
    dead = sorted(what for k, what in required().items() if k not in _USED)
    if dead:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{len(dead)} rule-table templates no test exercises "
                 "(tests/liveness.py):"] + [f"  {d}" for d in dead]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
