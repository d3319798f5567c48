"""A full check, cfn-lint validation included, makes no network call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "cli"

#: Runs the CLI with every way of opening a connection refused, then counts the attempts.
NETWORK_GUARD = """
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args)[:80])
    raise OSError("network blocked by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from iacguard.cli import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write("ATTEMPTS=%d\\n" % len(attempts))
"""


def test_check_with_validation_makes_no_network_calls() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NETWORK_GUARD, "check", str(FIXTURES / "defective.yaml"), "--format", "json"],
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 1, result.stderr
    assert "ATTEMPTS=0" in result.stderr
    assert '"rule_id": "IGE001"' in result.stdout
