"""The public API: what ``__all__`` promises in ``iopkit``, ``iopkit.curriculum`` and
``iopkit.export`` is there, documented and named by its public home, however it is loaded."""

import importlib
import pickle
import subprocess
import sys

import pytest

PACKAGES = ("iopkit", "iopkit.curriculum", "iopkit.export")


def _public(package: str):  # type: ignore[no-untyped-def]
    module = importlib.import_module(package)
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_and_has_a_docstring(package):
    """Every name in ``__all__`` can be read from the package (also the ones it imports
    on first use) and has a docstring."""
    for name, value in _public(package):
        if isinstance(value, type) or callable(value):
            assert (value.__doc__ or "").strip(), f"{package}.{name} has no docstring"


@pytest.mark.parametrize("package", ("iopkit.curriculum", "iopkit.export"))
def test_classes_and_functions_are_named_by_their_public_home(package):
    """Reprs, docs and pickles name a public class or function by the package that
    exports it, not by the private module that defines it."""
    for name, value in _public(package):
        if not (isinstance(value, type) or callable(value)):
            continue  # a constant, such as a table of formats
        if value.__module__ == "iopkit.errors":
            continue  # errors and their parts live in iopkit.errors, named from there
        assert value.__module__ == package, f"{package}.{name}: {value.__module__}"


def test_attendance_names_are_the_same_objects_by_any_path():
    """The attendance part is imported on first use; the package's names and the
    module's are the same objects, and they pickle by their public name."""
    from iopkit import curriculum
    from iopkit.curriculum import _attendance

    assert curriculum.AttendanceReport is _attendance.AttendanceReport
    assert curriculum.attendance is _attendance.attendance
    assert "attendance" in dir(curriculum)
    status = curriculum.AttendanceStatus.PRESENT
    assert pickle.loads(pickle.dumps(status)) is status  # noqa: S301 - our own bytes
    with pytest.raises(AttributeError, match="no attribute 'attendence'"):
        _ = curriculum.attendence  # type: ignore[attr-defined]


def test_composing_does_not_import_attendance():
    """Importing ``iopkit.curriculum`` and composing leaves the attendance module
    unimported (it is the package's largest), until an attendance name is asked for."""
    code = (
        "import sys\n"
        "from iopkit.curriculum import Program, compose\n"
        "curriculum = compose(Program(name='Small', weeks=1, days=['mon'], "
        "session={'minutes': {'min': 120, 'max': 120}}))\n"
        "before = 'iopkit.curriculum._attendance' in sys.modules\n"
        "from iopkit.curriculum import AttendanceStatus\n"
        "after = 'iopkit.curriculum._attendance' in sys.modules\n"
        "print(len(curriculum.weeks), before, after)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["1", "False", "True"]


def test_building_objects_does_not_import_the_file_reader():
    """``import iopkit`` and building a catalog in Python leave the YAML and JSON Schema
    reader unimported until a file function is asked for; the file functions are named
    by their public home, ``iopkit``."""
    code = (
        "import sys, iopkit\n"
        "catalog = iopkit.Catalog(activities=[iopkit.Activity(id='walk', title='Walk', "
        "kind='mindfulness', minutes=30)])\n"
        "before = 'iopkit._files._load' in sys.modules\n"
        "reader = iopkit.load_catalog\n"
        "print(len(catalog.activities), before, reader.__module__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["1", "False", "iopkit"]
