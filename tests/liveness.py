"""Every template of the rule table is exercised by the suite (issue 14).

A pytest plugin: it records each table entry (a vjp or jvp template, the
scalar or array spelling of a pair, a joint tangent) that the suite instantiates,
and when the whole suite has run it fails the session, listing any entry no test
reached: an entry no test reaches could be broken without a test failing.
Entries are identified by the object written in the table, so a template shared
by several keys (`np.sum` and `.sum()`) is exercised through either. Under
pytest-xdist each worker reports what it exercised and the controller judges.
"""
from __future__ import annotations

import glob
import os
import re

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


def _stable(key) -> str:
    """A table key as every process prints it (no memory addresses)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(key))


def _groups() -> list[list]:
    """[descriptions, exercised] for every template of the table: the descriptions
    of all the keys (and scalar or array spellings) that share it. Descriptions,
    not ids, cross between processes; the SciPy rules register only once SciPy is
    imported, so another process may see more keys share a template."""
    out: dict = {}
    for key, rule in list(table.RULES.items()):
        if rule.zero or not rule.derivative:
            continue
        for mode, entries in (("vjp", rule.vjp), ("jvp", rule.jvp)):
            for param, entry in entries.items():
                if entry is None:
                    continue
                what = f"{rule.name} {mode} {param} ({_stable(key)})"
                if isinstance(entry, tuple):
                    out.setdefault((id(entry), True), []).append(what + " scalar spelling")
                    out.setdefault((id(entry), False), []).append(what + " array spelling")
                else:
                    out.setdefault((id(entry), None), []).append(what)
        if rule.jvp_joint is not None:
            out.setdefault((id(rule.jvp_joint), None), []).append(
                f"{rule.name} joint jvp ({_stable(key)})")
    return [[sorted(whats), k in _USED] for k, whats in out.items()]


def _dead(reports: list[list[list]]) -> list[str]:
    """The templates no process exercised, each named by its least description:
    a template exercised under any of its keys in any process is live."""
    parent: dict[str, str] = {}

    def find(d):
        while parent.setdefault(d, d) != d:
            d = parent[d]
        return d

    for groups in reports:
        for whats, _ in groups:
            for w in whats[1:]:
                parent[find(w)] = find(whats[0])
    live = {find(whats[0]) for groups in reports for whats, used in groups if used}
    members: dict[str, list[str]] = {}
    for d in list(parent):
        members.setdefault(find(d), []).append(d)
    return sorted(min(ds) for root, ds in members.items() if root not in live)


def _whole_suite(session) -> bool:
    """Only a run of every test module, unfiltered, can judge liveness."""
    opt = session.config.option
    if getattr(opt, "keyword", "") or getattr(opt, "markexpr", "") or session.testsfailed:
        return False
    here = os.path.dirname(__file__)
    modules = {os.path.abspath(p) for p in glob.glob(os.path.join(here, "test_*.py"))}
    ran = {os.path.abspath(str(item.path)) for item in session.items}
    return modules <= ran


_WORKERS: list[dict] = []  # (under pytest-xdist) what each worker reported


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A pytest-xdist worker finished: keep what it exercised."""
    got = getattr(node, "workeroutput", {}).get("liveness")
    _WORKERS.append(got if got is not None and error is None else {"whole": False})


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):  # a worker: the controller judges
        session.config.workeroutput["liveness"] = {
            "whole": exitstatus == 0 and _whole_suite(session), "groups": _groups()}
        return
    if _WORKERS:
        whole = all(w["whole"] for w in _WORKERS) and not session.testsfailed
        reports = [w.get("groups", []) for w in _WORKERS] + [_groups()]
    else:
        whole = _whole_suite(session)
        reports = [_groups()]
    if exitstatus != 0 or not whole:
        return
    dead = _dead(reports)
    if dead:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{len(dead)} rule-table templates no test exercises "
                 "(tests/liveness.py):"] + [f"  {d}" for d in dead]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
