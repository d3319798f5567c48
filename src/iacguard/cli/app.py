"""The ``iacguard`` command group and the entry point that maps every way a run can end to a
documented exit code."""

from __future__ import annotations

import contextlib
import signal
import sys
import traceback
from collections.abc import Sequence

import click

from iacguard import DISTRIBUTION, PROJECT_URL, SUMMARY, __version__
from iacguard.errors import ExitCode, IacguardError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="iacguard",
    # Another project on the package index is also called iacguard: say which one this is.
    message=f"%(prog)s %(version)s ({DISTRIBUTION}: {SUMMARY}; {PROJECT_URL})",
)
def cli() -> None:
    """Policy linter and template validator for AWS CloudFormation, SAM and CDK."""


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so files being written are cleaned up on the way out."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _exit_cleanly_on_sigterm() -> None:
    # Outside the main thread (embedded use) signals cannot be set: leave them alone.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _raise_terminated)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: maps every way a run can end to a documented exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    _exit_cleanly_on_sigterm()
    try:
        cli.main(args=arguments, prog_name="iacguard", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.exceptions.Abort:
        _stop("interrupted", ExitCode.INTERRUPTED)
    except click.ClickException as error:  # usage errors included
        error.show()
        sys.exit(ExitCode.USAGE)
    except IacguardError as error:
        _stop(f"error: {error}", error.exit_code)
    except KeyboardInterrupt:
        _stop("interrupted", ExitCode.INTERRUPTED)
    except _Terminated:
        _stop("terminated", ExitCode.TERMINATED)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    except Exception as error:  # the last line of defence: one line, never a traceback
        if debug:
            traceback.print_exc()
        _stop(f"internal error: {type(error).__name__}: {error} (rerun with --debug)",
              ExitCode.INTERNAL)


def _stop(message: str, code: int) -> None:
    from iacguard.cli.say import tell

    tell(message)
    sys.exit(code)
