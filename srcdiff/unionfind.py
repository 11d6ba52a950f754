"""A union-find over integer ids (Var ids), shared by the passes that group
values: kinds (shape classes) and coalescing (values sharing one name)."""
from __future__ import annotations


class UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, i: int) -> int:
        while self.parent.get(i, i) != i:
            i = self.parent[i]
        return i

    def link(self, a: int, b: int) -> int | None:
        """Join the groups of ids a and b under the smaller root (so the result
        does not depend on the order of unions); the root, or None if already one."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        lo, hi = sorted((ra, rb))
        self.parent[hi] = lo
        return lo
