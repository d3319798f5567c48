"""Reporters turn a finished :class:`~iacguard.findings.Report` into text. They never decide
anything: filtering, suppression and exit codes happen before them."""
