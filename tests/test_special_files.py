"""Special files on both sides of the command line: FIFOs, devices and standard input are
never read (and never hang), devices, pipes and descriptors are written as they are and
never replaced, and a killed write leaves no temporary file."""

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from iopkit._files._write import write_atomic

from .hostile import EXAMPLE, SECONDS, run_cli

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device like /dev/null (minor 3) or /dev/full (minor 7): a copy in
    ``tmp_path`` when running as root (so a mistake cannot replace the real one), the real
    one otherwise (which only root could replace)."""
    if not ROOT_USER:
        return Path(f"/dev/{name}")
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        pytest.skip("cannot make device nodes here")
    return path


def _bounded(ran):
    assert not ran.killed, "the command did not end"
    assert ran.seconds < SECONDS
    assert "Traceback" not in ran.stderr


class TestNeverRead:
    def test_fifo_as_program(self, tmp_path):
        """A FIFO given as the program is refused at once (no writer ever comes)."""
        fifo = _fifo(tmp_path / "p.yaml")
        ran = run_cli("compose", fifo)
        _bounded(ran)
        assert ran.code == 2
        assert f"error: {fifo}: this is not a regular file" in ran.stderr

    def test_fifo_as_catalog(self, tmp_path):
        """A FIFO named as a catalog inside the program's folder is refused at once."""
        _fifo(tmp_path / "catalog.yaml")
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("catalogs: [builtin]", "catalogs: [builtin, catalog.yaml]")
        )
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2
        assert "not a regular file" in ran.stderr

    def test_fifo_as_catalog_file_option(self, tmp_path):
        """A FIFO given to 'catalog --file' is refused at once."""
        ran = run_cli("catalog", "--file", _fifo(tmp_path / "c.yaml"))
        _bounded(ran)
        assert ran.code == 2

    def test_fifo_as_profile(self, tmp_path):
        """A FIFO given as a profile file is refused at once."""
        ran = run_cli("compose", EXAMPLE, "--profile", _fifo(tmp_path / "r.yaml"))
        _bounded(ran)
        assert ran.code == 2
        assert "not a regular file" in ran.stderr

    def test_fifo_as_profile_reference(self, tmp_path):
        """A FIFO named as a profile file by the program is refused at once."""
        _fifo(tmp_path / "mine.yaml")
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("profiles: [asam-2.1-adult]", "profiles: [mine.yaml]")
        )
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2

    def test_fifo_as_curriculum(self, tmp_path):
        """A FIFO given to validate or export is refused at once."""
        fifo = _fifo(tmp_path / "c.json")
        for args in (["validate", fifo], ["export", fifo, "-f", "md"]):
            ran = run_cli(*args)
            _bounded(ran)
            assert ran.code == 2

    @pytest.mark.parametrize("command", [["compose"], ["validate"], ["catalog", "--file"]])
    def test_stdin_that_never_ends(self, command):
        """/dev/stdin as an input, with standard input a pipe nobody writes to or closes,
        is refused at once."""
        read_end, write_end = os.pipe()
        try:
            ran = run_cli(*command, "/dev/stdin", stdin=read_end)
        finally:
            os.close(read_end)
            os.close(write_end)
        _bounded(ran)
        assert ran.code == 2
        assert "not a regular file" in ran.stderr

    def test_stdin_as_catalog_reference(self, tmp_path):
        """A program naming /dev/stdin as a catalog is refused, even with --allow /dev."""
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("catalogs: [builtin]", "catalogs: [builtin, /dev/stdin]")
        )
        read_end, write_end = os.pipe()
        try:
            for extra in ([], ["--allow", "/dev"]):
                ran = run_cli("compose", program, *extra, stdin=read_end)
                _bounded(ran)
                assert ran.code == 2
        finally:
            os.close(read_end)
            os.close(write_end)

    def test_device_as_program(self, tmp_path):
        """A device (an endless /dev/zero) given as the program is refused at once."""
        ran = run_cli("compose", "/dev/zero")
        _bounded(ran)
        assert ran.code == 2

    def test_folder_as_catalog_reference(self, tmp_path):
        """A program naming its own folder as a catalog is refused."""
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("catalogs: [builtin]", "catalogs: [builtin, .]")
        )
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2
        assert "not a regular file" in ran.stderr


class TestWrittenAsTheyAre:
    def test_null_device(self, tmp_path):
        """-o onto a null device writes to it and leaves it a device."""
        null = _device(tmp_path, "null", 3)
        ran = run_cli("compose", "-o", null)
        _bounded(ran)
        assert ran.code == 0, ran.stderr
        assert stat.S_ISCHR(null.stat().st_mode)
        assert list(tmp_path.iterdir()) in ([], [null])

    def test_full_device(self, tmp_path):
        """-o onto a full device reports 'No space left on device' naming it, exit 2, and
        leaves it a device."""
        full = _device(tmp_path, "full", 7)
        ran = run_cli("compose", "-o", full)
        _bounded(ran)
        assert ran.code == 2
        assert ran.stderr == f"error: {full}: No space left on device\n"
        assert stat.S_ISCHR(full.stat().st_mode)

    def test_stdout_full(self, tmp_path):
        """Standard output on a full device is reported as such, exit 2, no traceback."""
        full = _device(tmp_path, "full", 7)
        with full.open("wb") as sink:
            proc = subprocess.run(
                [sys.executable, "-m", "iopkit", "compose"],
                stdout=sink,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                timeout=SECONDS,
                check=False,
            )
        assert proc.returncode == 2
        assert proc.stderr.decode() == "error: standard output: No space left on device\n"

    def test_dev_stdout_to_a_file(self, tmp_path):
        """-o /dev/stdout with standard output sent to a file writes into that same file
        (it is not replaced)."""
        out = tmp_path / "out.json"
        out.write_bytes(b"")
        inode = out.stat().st_ino
        ran = run_cli("compose", "-o", "/dev/stdout", stdout=out)
        _bounded(ran)
        assert ran.code == 0, ran.stderr
        assert out.stat().st_ino == inode
        assert out.read_text().startswith('{\n  "iopkit": "curriculum/1"')

    def test_dev_stdout_to_a_pipe(self):
        """-o /dev/stdout with standard output a pipe writes into the pipe."""
        proc = subprocess.run(
            [sys.executable, "-m", "iopkit", "compose", "-o", "/dev/stdout"],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=SECONDS,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(b'{\n  "iopkit": "curriculum/1"')

    def test_dash_to_a_pipe(self):
        """-o - writes to standard output."""
        proc = subprocess.run(
            [sys.executable, "-m", "iopkit", "compose", "-o", "-"],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=SECONDS,
            check=False,
        )
        assert proc.returncode == 0
        assert proc.stdout.startswith(b'{\n  "iopkit": "curriculum/1"')

    def test_fifo(self, tmp_path):
        """-o onto a FIFO writes into it (a reader gets everything) and leaves it a FIFO."""
        fifo = _fifo(tmp_path / "out.json")
        received = bytearray()

        def reader():
            with fifo.open("rb") as handle:
                received.extend(handle.read())

        thread = threading.Thread(target=reader)
        thread.start()
        ran = run_cli("compose", "-o", fifo)
        thread.join(SECONDS)
        _bounded(ran)
        assert ran.code == 0, ran.stderr
        assert bytes(received).startswith(b'{\n  "iopkit": "curriculum/1"')
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]

    def test_symlink_to_a_device(self, tmp_path):
        """-o onto a symbolic link to a device writes to the device; the link stays."""
        null = _device(tmp_path, "null", 3)
        link = tmp_path / "link"
        link.symlink_to(null)
        ran = run_cli("compose", "-o", link)
        _bounded(ran)
        assert ran.code == 0
        assert link.is_symlink()
        assert stat.S_ISCHR(null.stat().st_mode)

    def test_dangling_symlink(self, tmp_path):
        """-o onto a symbolic link whose target does not exist yet creates the target."""
        link = tmp_path / "link.json"
        link.symlink_to(tmp_path / "target.json")
        ran = run_cli("compose", "-o", link)
        assert ran.code == 0
        assert link.is_symlink()
        assert (tmp_path / "target.json").read_text().startswith("{")

    def test_symlink_loop(self, tmp_path):
        """-o onto a symbolic link loop exits 2 naming the file."""
        loop = tmp_path / "loop"
        loop.symlink_to(loop)
        ran = run_cli("compose", "-o", loop)
        _bounded(ran)
        assert ran.code == 2
        assert f"error: {loop}: Too many levels of symbolic links" in ran.stderr


_WRITER = """
import sys
from iopkit._files._write import write_atomic
target, size = sys.argv[1], int(sys.argv[2])
n = 0
print("ready", flush=True)
while True:
    n += 1
    write_atomic(target, (str(n % 10) * size).encode())
"""


class TestKilledWrites:
    @pytest.mark.parametrize("delay", [0.1, 0.2, 0.3, 0.4, 0.5])
    def test_killed_writer_leaves_no_temporary_file(self, tmp_path, delay):
        """A process killed while it writes leaves the target whole (old or new content)
        and no temporary file."""
        target = tmp_path / "c.json"
        target.write_bytes(b"x" * 8_000_000)
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(target), "8000000"],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(delay)
        proc.kill()
        proc.wait(SECONDS)
        proc.stdout.close()
        assert [p.name for p in tmp_path.iterdir()] == ["c.json"]
        content = target.read_bytes()
        assert len(content) == 8_000_000
        assert len(set(content)) == 1

    def test_killed_compose_keeps_the_old_output(self, tmp_path):
        """A compose killed by its time limit leaves the previous output as it was."""
        from .hostile import thresholds, write

        program = write(tmp_path / "p", thresholds())
        out = tmp_path / "c.json"
        out.write_text("previous")
        ran = run_cli("compose", program, "--budget", "1", "-o", out)
        _bounded(ran)
        assert ran.code == 3
        assert out.read_text() == "previous"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "p"]


class TestWriteAtomic:
    def test_descriptor_path_is_appended_to(self, tmp_path):
        """A /proc/self/fd path is written through the descriptor, after what it holds."""
        path = tmp_path / "f"
        with path.open("wb") as handle:
            handle.write(b"one ")
            handle.flush()
            write_atomic(f"/proc/self/fd/{handle.fileno()}", b"two")
        assert path.read_bytes() == b"one two"

    def test_same_content_twice(self, tmp_path):
        """Writing a file twice leaves only the file."""
        target = tmp_path / "a"
        write_atomic(target, "1")
        write_atomic(target, "2")
        assert target.read_text() == "2"
        assert [p.name for p in tmp_path.iterdir()] == ["a"]

    @pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="needs O_TMPFILE")
    def test_content_is_never_in_a_named_temporary_file(self, tmp_path, monkeypatch):
        """Where the system has unnamed files, the content is written to one: no named
        temporary file is ever opened, so a killed process leaves none."""
        opened = []
        real = os.open

        def spy(path, flags, *args, **kwargs):
            opened.append(str(path))
            return real(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", spy)
        write_atomic(tmp_path / "a.json", "new")
        write_atomic(tmp_path / "a.json", "again")
        monkeypatch.undo()
        assert not [p for p in opened if p.endswith(".tmp")]
        assert (tmp_path / "a.json").read_text() == "again"

    def test_umask_unchanged(self, tmp_path):
        """Writing does not touch the process's umask, not even for a moment."""
        calls = []
        real = os.umask

        def spy(mask):
            calls.append(mask)
            return real(mask)

        os.umask = spy
        try:
            write_atomic(tmp_path / "new", "x")
            write_atomic(tmp_path / "new", "y")
        finally:
            os.umask = real
        assert calls == []
