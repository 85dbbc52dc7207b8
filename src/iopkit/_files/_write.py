"""Writing files so that readers see the old content or the new, never a part.

A regular file (or a new path) is replaced atomically: the content goes to an unnamed
temporary file in the same folder (``O_TMPFILE`` where the system has it, so a killed
process leaves nothing behind), is flushed to disk, then renamed over the target. A
symbolic link keeps pointing where it did: its target is replaced. A device or a pipe
(``/dev/null``, ``/dev/stdout``, a FIFO) is written directly and never replaced by a file.
Errors name the user's file, never a temporary one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def _fail(exc: OSError, target: Path) -> OSError:
    return OSError(exc.errno, exc.strerror or str(exc), str(target))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _direct(target: Path, data: bytes) -> None:
    """Write to a device or a pipe as it is."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _fail(exc, target) from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _fail(exc, target) from None
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _unnamed(folder: Path, data: bytes, mode: int) -> int | None:
    """An unnamed file in ``folder`` holding ``data``, or ``None`` without O_TMPFILE."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(folder, flag | os.O_WRONLY, mode)
    except OSError:
        return None  # the file system does not support it
    try:
        _write_all(fd, data)
        os.fsync(fd)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write ``content`` to ``path``: atomically for a regular file or a new path,
    directly for a device or a pipe.

    Raises:
        OSError: the write failed; its ``filename`` is ``path``. The old content is intact
            and no temporary file is left behind.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _fail(exc, target) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise OSError(21, "Is a directory", str(target))
        _direct(target, data)
        return
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    folder = real.parent if str(real.parent) else Path()
    mode = _mode_for(real)
    try:
        fd = _unnamed(folder, data, mode)
    except OSError as exc:
        raise _fail(exc, target) from None
    if fd is not None:
        tmp = folder / f".{real.name}.{os.getpid()}.{id(data):x}.tmp"
        try:
            os.link(f"/proc/self/fd/{fd}", tmp, follow_symlinks=True)
        except OSError:
            os.close(fd)
            fd = None  # fall back to a named temporary file
        else:
            os.close(fd)
            try:
                os.replace(tmp, real)
            except BaseException as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                if isinstance(exc, OSError):
                    raise _fail(exc, target) from None
                raise
            return
    import tempfile

    try:
        handle, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _fail(exc, target) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(name, mode)
        os.replace(name, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(exc, OSError):
            raise _fail(exc, target) from None
        raise
