"""Writing files so that readers see the old content or the new, never a part.

A regular file (or a new path) is replaced atomically: the content goes to an unnamed
temporary file in the same folder (``O_TMPFILE`` where the system has it, so a killed
process leaves nothing behind), is flushed to disk, then given the target's name. A new
path gets its name in one step; an existing file is replaced by a rename, keeping its
mode. A symbolic link keeps pointing where it did: its target is replaced. A device or a
pipe (``/dev/null``, ``/dev/full``, a FIFO) is written directly and never replaced by a
file, and so is a name for an open descriptor (``/dev/stdout``, ``/dev/fd/1``), which is
appended to. Errors name the user's file, never a temporary one.

Nothing here changes process-wide state (not even the umask for a moment).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

#: Paths that name an open descriptor rather than a file (Linux and the BSDs).
_DESCRIPTOR = re.compile(r"\A/(?:proc/(?:self|thread-self|\d+)/fd|dev/fd)/\d+\Z")
#: Names that stand for the standard streams.
_STREAMS = frozenset({"/dev/stdin", "/dev/stdout", "/dev/stderr"})


def _fail(exc: OSError, target: Path) -> OSError:
    return OSError(exc.errno, exc.strerror or str(exc), str(target))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _descriptor_alias(target: Path) -> bool:
    """Whether the path names an open descriptor (``/dev/stdout``, ``/proc/self/fd/1``),
    directly or through symbolic links."""
    current = os.path.abspath(target)
    for _ in range(40):
        if current in _STREAMS or _DESCRIPTOR.match(current):
            return True
        try:
            link = os.readlink(current)
        except OSError:
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def _direct(target: Path, data: bytes, *, append: bool = False) -> None:
    """Write to a device, a pipe or a descriptor as it is."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | (os.O_APPEND if append else 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise _fail(exc, target) from None
    try:
        _write_all(fd, data)
    except OSError as exc:
        raise _fail(exc, target) from None
    finally:
        os.close(fd)


def _unnamed(folder: Path, data: bytes, mode: int | None) -> int | None:
    """An unnamed file in ``folder`` holding ``data`` (flushed to disk), or ``None``
    where the system cannot make one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o666 if mode is None else 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            if exc.errno == errno.ENOENT and not folder.is_dir():
                raise
            return None  # the file system does not support it
        raise
    try:
        _write_all(fd, data)
        os.fsync(fd)
        if mode is not None:
            os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk (so a rename survives a crash), where possible."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temporary_name(folder: Path, name: str) -> Path:
    return folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _link(fd: int, folder: Path, name: str) -> None:
    """Give the unnamed file ``fd`` a name in ``folder``.

    ``linkat`` must follow the ``/proc/self/fd`` link; Python asks for that only when a
    folder descriptor is given, so one is.
    """
    folder_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder_fd, follow_symlinks=True)
    finally:
        os.close(folder_fd)


def _publish(fd: int, real: Path, folder: Path, new: bool) -> bool:
    """Give the unnamed file ``fd`` the name ``real``; ``False`` when the system cannot
    link it (then the caller writes a named temporary file instead)."""
    if new:
        try:
            _link(fd, folder, real.name)
        except FileExistsError:
            pass  # created meanwhile: replace it like an existing file
        except OSError:
            return False
        else:
            _sync_folder(folder)
            return True
    tmp = _temporary_name(folder, real.name)
    try:
        _link(fd, folder, tmp.name)
    except OSError:
        return False
    try:
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)
    return True


def _named(real: Path, folder: Path, data: bytes, mode: int | None) -> None:
    """The fallback: a named temporary file beside the target, renamed over it."""
    tmp = _temporary_name(folder, real.name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o666 if mode is None else 0o600)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if mode is not None:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write ``content`` to ``path``: atomically for a regular file or a new path,
    directly for a device, a pipe or a descriptor.

    Raises:
        OSError: the write failed; its ``filename`` is ``path``. The old content is intact
            and no temporary file is left behind.
    """
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if _descriptor_alias(target):
        _direct(target, data, append=True)
        return
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _fail(exc, target) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        _direct(target, data)
        return
    # a symbolic link (even one whose target does not exist yet) keeps pointing there
    real = Path(os.path.realpath(target))
    folder = real.parent
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    try:
        fd = _unnamed(folder, data, mode)
        if fd is not None:
            try:
                if _publish(fd, real, folder, new=info is None):
                    return
            finally:
                os.close(fd)
        _named(real, folder, data, mode)
    except OSError as exc:
        raise _fail(exc, target) from None
