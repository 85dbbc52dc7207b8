"""Reliability under bad input: fuzzing every loader, atomic writes, no network, bounded
work, and inputs never changed."""

import json
import os
import socket

import attrs
import jsonschema
import pytest
import referencing.exceptions
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iopkit
from iopkit import Range
from iopkit._files._schemas import registry_for
from iopkit._files._write import write_atomic
from iopkit.curriculum import (
    Program,
    SessionShape,
    Track,
    compose,
    dump_curriculum,
    load_curriculum,
    load_program,
)
from iopkit.errors import BudgetExceededError, InputError

from . import strategies as s

LOADERS = {"catalog": iopkit.load_catalog, "program": load_program, "curriculum": load_curriculum}
FUZZ = settings(
    max_examples=int(os.environ.get("IOPKIT_FUZZ_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    deadline=None,
)


class TestFuzz:
    @FUZZ
    @given(st.sampled_from(sorted(LOADERS)), st.data(), st.sampled_from([".json", ".yaml"]))
    def test_values(self, tmp_path, kind, data, suffix):
        """Arbitrary JSON values (often shaped like a document) load or raise InputError."""
        value = data.draw(s.near_documents(kind))
        path = tmp_path / f"f{suffix}"
        text = json.dumps(value) if suffix == ".json" else yaml.safe_dump(value)
        path.write_text(text, encoding="utf-8")
        try:
            LOADERS[kind](path)
        except InputError as exc:
            assert exc.problems
            assert str(exc)

    @FUZZ
    @given(
        st.sampled_from(sorted(LOADERS)),
        st.binary(max_size=400),
        st.sampled_from([".json", ".yaml"]),
    )
    def test_bytes(self, tmp_path, kind, raw, suffix):
        """Arbitrary bytes load or raise InputError, nothing else."""
        path = tmp_path / f"f{suffix}"
        path.write_bytes(raw)
        try:
            LOADERS[kind](path)
        except InputError as exc:
            assert exc.problems


class TestNothingLost:
    def test_failed_write_keeps_old_file(self, tmp_path, monkeypatch):
        """A write that fails midway leaves the previous file intact and no temporary file."""
        target = tmp_path / "c.json"
        target.write_text("previous")

        def broken(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", broken)
        with pytest.raises(OSError, match="No space"):
            write_atomic(target, "new content " * 1000)
        assert target.read_text() == "previous"
        assert [p.name for p in tmp_path.iterdir()] == ["c.json"]

    def test_failed_rename_keeps_old_file(self, tmp_path, monkeypatch):
        """A failing rename also leaves the old file and cleans up."""
        target = tmp_path / "c.json"
        target.write_text("previous")
        monkeypatch.setattr(
            os, "replace", lambda *_: (_ for _ in ()).throw(OSError(5, "I/O error"))
        )
        with pytest.raises(OSError):
            write_atomic(target, "new")
        assert target.read_text() == "previous"
        assert [p.name for p in tmp_path.iterdir()] == ["c.json"]

    def test_dump_load_dump_identical(self, tmp_path):
        """Curriculum JSON: dump, load, dump gives identical bytes."""
        curriculum = compose(load_program(_example()))
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        dump_curriculum(curriculum, first)
        dump_curriculum(load_curriculum(first), second)
        assert first.read_bytes() == second.read_bytes()

    def test_catalog_dump_load_dump_identical(self, tmp_path):
        """Catalog YAML and JSON: dump, load, dump gives identical bytes."""
        for name in ("a.yaml", "a.json"):
            first = tmp_path / name
            second = tmp_path / f"b{first.suffix}"
            iopkit.dump_catalog(iopkit.builtin_catalog(), first)
            iopkit.dump_catalog(iopkit.load_catalog(first), second)
            assert first.read_bytes() == second.read_bytes()


class TestNothingReached:
    def test_remote_refs_are_refused(self, monkeypatch):
        """A schema $ref to a remote URL is refused, never fetched."""

        def no_network(*args, **kwargs):
            raise AssertionError("network access attempted")

        monkeypatch.setattr(socket, "create_connection", no_network)
        monkeypatch.setattr(socket.socket, "connect", no_network)
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:test:remote",
            "$ref": "https://example.com/evil.schema.json",
        }
        validator = jsonschema.Draft202012Validator(schema, registry=registry_for(schema))
        with pytest.raises(referencing.exceptions.Unresolvable):
            validator.validate({})

    def test_shipped_schemas_resolve_locally(self, monkeypatch):
        """Every shipped schema validates documents without any network access."""
        monkeypatch.setattr(
            socket.socket, "connect", lambda *a, **k: (_ for _ in ()).throw(AssertionError("net"))
        )
        compose(load_program(_example()))
        for name in ("catalog", "program", "curriculum", "profile"):
            jsonschema.Draft202012Validator.check_schema(iopkit.schema(name))


class TestBoundedWork:
    def test_huge_program_ends_within_budget(self):
        """A program of hundreds of weeks and a thousand modules ends within its budget:
        a curriculum or BudgetExceededError, nothing partial."""
        modules = [
            iopkit.SkillModule(
                id=f"m{i}",
                title=f"M{i}",
                modality="cbt",
                lessons=(
                    iopkit.Activity(id=f"m{i}-l", title="L", kind="skills-training", minutes=45),
                ),
            )
            for i in range(1000)
        ]
        catalog = iopkit.builtin_catalog().extend(modules=modules)
        program = Program(
            name="Huge",
            weeks=400,
            days=["mon", "tue", "wed", "thu", "fri"],
            session=SessionShape(
                minutes=Range(min=180, max=210), opening=["check-in"], closing=["wrap-up"]
            ),
            tracks=[Track(name="All", modules=tuple(m.id for m in modules))],
        )
        try:
            curriculum = compose(program, catalog, budget=3)
        except BudgetExceededError as exc:
            assert "time budget of 3 s" in str(exc)
        else:
            assert len(curriculum.weeks) == 400

    def test_compose_does_not_mutate(self):
        """The program and catalog objects given to compose are unchanged after it."""
        program = load_program(_example())
        catalog = iopkit.builtin_catalog()
        snapshot = (attrs.asdict(program), attrs.asdict(catalog))
        compose(program, catalog)
        assert (attrs.asdict(program), attrs.asdict(catalog)) == snapshot


def _example():
    from pathlib import Path

    return Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
