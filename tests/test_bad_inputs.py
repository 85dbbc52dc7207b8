"""The corpus of bad inputs: each gives its documented error, quickly, in bounded memory,
and the command line answers with exit 2 and readable lines, never a traceback."""

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import iopkit
from iopkit import errors
from iopkit._cli import main
from iopkit.curriculum import load_curriculum, load_program

HERE = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
LOADERS = {"c": iopkit.load_catalog, "p": load_program, "k": load_curriculum}
COMMANDS = {"c": ["catalog", "--file"], "p": ["compose"], "k": ["validate"]}


def test_corpus_is_large_enough():
    """The corpus holds at least 40 files, each with an expectation."""
    files = {p.name for p in HERE.iterdir() if p.name != "expected.yaml"}
    assert len(files) >= 40
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gives_documented_error(name):
    """Loading the file raises its documented error class with its message, in under a
    few seconds and under 200 MB of allocations."""
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
def test_command_line_exit_2(name):
    """The command line prints one 'error:' line per problem and exits 2, no traceback."""
    result = CliRunner().invoke(
        main, [*COMMANDS[name[0]], str(HERE / name)], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in result.stderr.splitlines())


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
