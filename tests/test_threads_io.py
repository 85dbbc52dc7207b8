"""Loaders and the composer side by side in threads: nothing crashes, every result is the
one a single thread gets, and no process-wide setting changes."""

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import iopkit
from iopkit.curriculum import compose, curriculum_json, load_program
from iopkit.errors import FileFormatError

from .hostile import EXAMPLE


def _large_yaml(path: Path) -> Path:
    """A catalog of 2,000 activities (about 250 KB of YAML)."""
    lines = ["iopkit: catalog/1", "activities:"]
    lines += [
        f"  - {{id: act-{i}, title: Activity {i}, kind: skills-practice, "
        f"minutes: {{min: 20, max: 60}}, objectives: [Practise skill {i} with the group.]}}"
        for i in range(2000)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _deep_json(path: Path) -> Path:
    path.write_text('{"iopkit": "catalog/1", "x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    return path


def _deep_yaml(path: Path) -> Path:
    path.write_text("iopkit: catalog/1\nx: " + "[" * 5_000 + "]" * 5_000 + "\n")
    return path


def _long_program(path: Path) -> Path:
    text = EXAMPLE.read_text()
    text = text.replace("weeks: 8\n", "weeks: 52\n").replace(
        "{from: 2, to: 8}", "{from: 2, to: 52}"
    )
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("threads")
    return {
        "large": _large_yaml(folder / "large.yaml"),
        "deep-json": _deep_json(folder / "deep.json"),
        "deep-yaml": _deep_yaml(folder / "deep.yaml"),
        "program": _long_program(folder / "long.yaml"),
    }


def _load_large(files):
    return len(iopkit.load_catalog(files["large"]).activities)


def _load_deep(files, name):
    try:
        iopkit.load_catalog(files[name])
    except FileFormatError as exc:
        return "nested" in str(exc)
    return False


def _compose(files, seed):
    return curriculum_json(compose(load_program(files["program"]), seed=seed, budget=30))


def test_loaders_and_composer_side_by_side(files):
    """Large and deeply nested files load (or are refused) while the composer runs in
    other threads; every result equals the single-threaded one, no thread dies, and the
    recursion limit never changes."""
    limit = sys.getrecursionlimit()
    expected_large = _load_large(files)
    expected_compose = {seed: _compose(files, seed) for seed in (0, 1)}
    seen_limits = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen_limits.add(sys.getrecursionlimit())
            stop.wait(0.005)

    failures = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            jobs = [
                *(pool.submit(_load_large, files) for _ in range(3)),
                *(pool.submit(_load_deep, files, name) for name in ("deep-json", "deep-yaml")),
                *(pool.submit(_compose, files, seed) for seed in (0, 1)),
            ]
            results = [job.result(timeout=120) for job in jobs]
    finally:
        stop.set()
        watcher.join()
        threading.excepthook = previous_hook
    assert failures == []
    assert results[:3] == [expected_large] * 3
    assert results[3:5] == [True, True]
    assert results[5:] == [expected_compose[0], expected_compose[1]]
    assert json.loads(results[5])["iopkit"] == "curriculum/1"
    assert seen_limits == {limit}
    assert sys.getrecursionlimit() == limit


def test_command_line_guard_is_off_in_other_threads(tmp_path):
    """The command line run from a thread other than the main one works (its signal
    timer is only armed on the main thread) and leaves the main thread's handler alone."""
    import signal

    from click.testing import CliRunner

    from iopkit._cli import main

    before = signal.getsignal(signal.SIGALRM)
    results = []

    def run():
        out = tmp_path / f"{threading.get_ident()}.json"
        results.append(CliRunner().invoke(main, ["compose", str(EXAMPLE), "-o", str(out)]))

    thread = threading.Thread(target=run)  # one: the runner swaps sys.stdout for all
    thread.start()
    thread.join(60)
    assert [r.exit_code for r in results] == [0]
    assert signal.getsignal(signal.SIGALRM) is before
