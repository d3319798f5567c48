"""Tell whether iacguard runs inside a CI system, and which one.

Build logs are read after the fact, often through a web viewer that shows escape codes as
garbage and keeps every frame of a redrawn progress bar. So output written for a terminal
(colour, progress) is switched off in CI, and the run ends with one line that says whether it
passed, which is what people search a long log for.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# Each system sets its own variable; most also set CI=true, but not all (CodeBuild does not).
# The specific variables come first so the log can name the system.
_PROVIDER_VARIABLES: tuple[tuple[str, str], ...] = (
    ("CODEBUILD_BUILD_ID", "AWS CodeBuild"),
    ("GITHUB_ACTIONS", "GitHub Actions"),
    ("GITLAB_CI", "GitLab CI"),
    ("TF_BUILD", "Azure Pipelines"),
    ("BITBUCKET_BUILD_NUMBER", "Bitbucket Pipelines"),
    ("BUILDKITE", "Buildkite"),
    ("CIRCLECI", "CircleCI"),
    ("JENKINS_URL", "Jenkins"),
    ("TEAMCITY_VERSION", "TeamCity"),
    ("TRAVIS", "Travis CI"),
    ("CI", "CI"),
)
# CI=false (or 0, no) is how people opt out locally when a shell profile exports CI.
_FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class CiEnvironment:
    """The CI system iacguard runs in."""

    name: str
    variable: str


def detect_ci(environ: Mapping[str, str] | None = None) -> CiEnvironment | None:
    """The CI system named by the environment, or None on a developer's machine."""
    variables = os.environ if environ is None else environ
    for variable, name in _PROVIDER_VARIABLES:
        value = variables.get(variable)
        if value is not None and value.strip().lower() not in _FALSE_WORDS:
            return CiEnvironment(name=name, variable=variable)
    return None


def is_ci(environ: Mapping[str, str] | None = None) -> bool:
    return detect_ci(environ) is not None


def show_progress(is_terminal: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a progress display may be drawn: only on an interactive terminal, never in CI."""
    return is_terminal and not is_ci(environ)
