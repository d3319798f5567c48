"""Reading files that a pull request controls: regular files only, size checked before opening,
opened without blocking, and never more read than the limit.

Every file iacguard reads on behalf of a scanned repository (templates, CDK manifests and their
templates, configuration, baselines, shard reports, cache entries, parameter files) goes through
:func:`read_bounded`. A symbolic link to ``/dev/zero``, a named pipe, a 30 GB sparse file or a
symlink to ``/dev/stdin`` is then a one-line problem instead of an endless read or a hang.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

#: CloudFormation itself accepts at most 1 MB of template body; 5 MiB leaves room for
#: pre-transform SAM and generated CDK templates while bounding memory on hostile input.
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "is a directory, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)
#: O_NONBLOCK keeps open() from waiting for a writer should a pipe be swapped in after stat().
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(
    os, "O_CLOEXEC", 0
)


_MISSING = "file does not exist (was it deleted during the run?)"


class FileReadError(Exception):
    """A file could not be read safely; ``reason`` completes "<file>: <reason>"."""

    def __init__(self, reason: str, too_large: bool = False, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large
        self.missing = missing


def _not_regular(mode: int) -> str | None:
    for test, reason in _KINDS:
        if test(mode):
            return reason
    return None if stat.S_ISREG(mode) else "is not a regular file"


def _size_text(size: int) -> str:
    return f"{size / 1048576:.1f} MiB" if size >= 1048576 else f"{size} bytes"


def _limit_text(limit: int) -> str:
    return f"{limit // 1048576} MiB" if limit % 1048576 == 0 else f"{limit} bytes"


def check_readable(path: Path, limit: int) -> os.stat_result:
    """The file's status when it is a regular file within ``limit`` bytes; raises otherwise.

    ``stat`` follows symbolic links, so a link is judged by what it points at.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileReadError(_MISSING, missing=True) from None
    except PermissionError:
        raise FileReadError("permission denied") from None
    except OSError as error:
        raise FileReadError(_os_reason(error)) from None
    problem = _not_regular(info.st_mode)
    if problem is not None:
        raise FileReadError(problem)
    if info.st_size > limit:
        raise FileReadError(
            f"file is {_size_text(info.st_size)}; the limit is {_limit_text(limit)}",
            too_large=True,
        )
    return info


def read_bounded(path: Path, limit: int = MAX_TEMPLATE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`FileReadError` otherwise."""
    check_readable(path, limit)
    descriptor = _open_regular(path)
    try:
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            # Sized by the file, not the limit: reading asks for a buffer of the size asked
            # for, and a 64 MiB buffer per small file is most of a cached run's memory.
            expected = min(os.fstat(descriptor).st_size, limit) + 1
            raw = handle.read(expected)
            if len(raw) == expected and expected <= limit:  # it grew meanwhile: read on
                raw += handle.read(limit + 1 - expected)
    except OSError as error:
        raise FileReadError(_os_reason(error)) from None
    finally:
        os.close(descriptor)
    if len(raw) > limit:
        raise FileReadError(f"file exceeds the {_limit_text(limit)} limit", too_large=True)
    return raw


def read_head(path: Path, size: int) -> bytes:
    """At most ``size`` bytes from the start of a regular file of any size (to tell what an
    oversized file is); empty when it cannot be read."""
    try:
        check_readable(path, sys.maxsize)
        descriptor = _open_regular(path)
    except FileReadError:
        return b""
    try:
        return os.read(descriptor, size)
    except OSError:
        return b""
    finally:
        os.close(descriptor)


def _open_regular(path: Path) -> int:
    """A descriptor of the regular file at ``path``; it is checked again after opening, because
    the path may have been replaced (by a pipe, say) since it was checked."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise FileReadError(_os_reason(error)) from None
    try:
        problem = _not_regular(os.fstat(descriptor).st_mode)
    except OSError as error:
        os.close(descriptor)
        raise FileReadError(_os_reason(error)) from None
    if problem is not None:
        os.close(descriptor)
        raise FileReadError(problem)
    return descriptor


def _os_reason(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.ENOENT:
        return _MISSING
    if error.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if error.errno == errno.EISDIR:
        return "is a directory, not a file"
    return f"cannot read file: {error.strerror or error}"
