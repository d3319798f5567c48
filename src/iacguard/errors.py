"""Errors that end a run, each tied to one exit code."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3
    INTERRUPTED = 130
    TERMINATED = 143


class IacguardError(Exception):
    """A problem the user can fix (bad flag, bad config, bad rule file): exit 2, one line."""

    exit_code = ExitCode.USAGE


class RuleFileError(IacguardError):
    """A rule file is invalid; the message starts with ``file:line:``."""


class ConfigError(IacguardError):
    """A configuration file is invalid; the message starts with ``file:line:``."""
