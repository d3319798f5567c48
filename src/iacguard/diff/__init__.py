"""Change safety: what a change to the templates will do to running stacks.

Two versions of the templates (BASE, what is deployed; HEAD, the change) are compared without
AWS access. Resources are matched by stack and logical id (and, in CDK assemblies, by construct
path); replacements (a create-only property changed), moves, renames and removals are judged
by what happens to the data, from DeletionPolicy / UpdateReplacePolicy and the type's default.
The core (matching, facts, judging) depends only on load, model and findings; reading the two
sides from files, folders, assemblies or git lives in :mod:`iacguard.diff.sources`.
"""

from __future__ import annotations

from iacguard.diff.compare import CompareOptions, Comparison, RuleMeta, compare
from iacguard.diff.stacks import StackVersion

__all__ = ["CompareOptions", "Comparison", "RuleMeta", "StackVersion", "compare"]
