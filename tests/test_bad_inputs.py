"""The corpus of bad inputs: each gives its documented error, quickly, in bounded memory,
and the command line answers with exit 2 and short, escaped lines, never a traceback."""

import re
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import iopkit
from iopkit import errors
from iopkit._cli import main
from iopkit.curriculum import load_curriculum, load_profile, load_program

HERE = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
LOADERS = {"c": iopkit.load_catalog, "p": load_program, "k": load_curriculum, "r": load_profile}
COMMANDS = {
    "c": ["catalog", "--file"],
    "p": ["compose"],
    "k": ["validate"],
    "r": ["compose", "--profile"],
}
#: What no line on a terminal may hold: C0 and C1 controls (tab aside), DEL, surrogates.
UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def _listing():
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in HERE.iterdir())


def test_corpus_is_large_enough():
    """The corpus holds at least 90 files, each with an expectation."""
    files = {p.name for p in HERE.iterdir() if p.name != "expected.yaml"}
    assert len(files) >= 90
    assert files == set(EXPECTED)


def test_corpus_covers_every_kind_of_file():
    """The corpus has bad catalogs, programs, curricula and profiles."""
    assert {name[0] for name in EXPECTED} == set(LOADERS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gives_documented_error(name):
    """Loading the file raises its documented error class with its message, located in the
    file, in under a few seconds and under 200 MB of allocations."""
    expected = EXPECTED[name]
    cls = getattr(errors, expected["error"])
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(cls) as info:
            LOADERS[name[0]](HERE / name)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 200 * 1024 * 1024
    assert expected["contains"] in str(info.value)
    assert all(p.file == str(HERE / name) for p in info.value.problems)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_messages_are_short_and_escaped(name):
    """Every problem's message is one short line with no control character or surrogate."""
    with pytest.raises(errors.InputError) as info:
        LOADERS[name[0]](HERE / name)
    for problem in info.value.problems:
        assert not UNSAFE.search(problem.message), problem.message
        assert len(problem.message) < 400


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_command_line_exit_2(name):
    """The command line prints one escaped 'error:' line per problem and exits 2, with no
    traceback, and changes no file of the corpus."""
    before = _listing()
    result = CliRunner().invoke(
        main, [*COMMANDS[name[0]], str(HERE / name)], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith("error: ") for line in lines)
    assert all(str(HERE / name) in line for line in lines if "more problem" not in line)
    assert not any(UNSAFE.search(line) for line in lines)
    assert "<input>" not in result.stderr
    assert _listing() == before


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_fifty_megabytes_refused_fast(tmp_path, suffix):
    """A 50 MB file is refused by size before it is parsed."""
    big = tmp_path / f"big{suffix}"
    with big.open("wb") as handle:
        handle.write(
            b"iopkit: catalog/1\n" if suffix == ".yaml" else b'{"iopkit": "catalog/1", "x": "'
        )
        handle.write(b"x" * (50 * 1024 * 1024))
    start = time.perf_counter()
    with pytest.raises(errors.FileFormatError, match="larger than the limit"):
        iopkit.load_catalog(big)
    assert time.perf_counter() - start < 2
