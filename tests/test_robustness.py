"""Reliability under bad input: fuzzing every loader (with hostile text too), atomic
writes, no network, bounded work, and inputs never changed."""

import json
import os
import re
import socket
import unicodedata

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


#: Characters an attacker reaches for: C0 and C1 controls, DEL, lone surrogates, invisible
#: and reordering characters, combining accents, and anything else.
HOSTILE_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x9F),
    st.characters(categories=["Cs"]),
    st.sampled_from(["\u202e", "\u200b", "\ufeff", "\u2028", "\u0301", "e", "\u00e9"]),
    st.characters(),
)
#: Prefixes that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = st.sampled_from(
    ["=", "+", "-", "@", "\t", "\r", "=cmd|' /C calc'!", "=HYPERLINK("]
)
hostile_texts = st.one_of(
    st.text(HOSTILE_CHARACTERS, max_size=40),
    st.builds(str.__add__, FORMULA_PREFIXES, st.text(HOSTILE_CHARACTERS, max_size=20)),
)
#: What no accepted text and no message may hold.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _strings(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif attrs.has(type(item)):
            stack.extend(attrs.asdict(item, recurse=False).values())


def _catalog_with(text):
    return {
        "iopkit": "catalog/1",
        "modalities": [{"id": "art", "name": text}],
        "activities": [
            {
                "id": "walk",
                "title": text,
                "kind": "expressive-therapy",
                "minutes": 40,
                "modality": "art",
                "objectives": [text],
            },
        ],
    }


def _program_with(text):
    return {
        "iopkit": "program/1",
        "name": text,
        "weeks": 2,
        "days": ["mon"],
        "session": {"minutes": {"min": 60, "max": 120}},
        "tracks": [{"name": text, "modules": ["cbt-foundations"]}],
    }


class TestHostileText:
    @FUZZ
    @given(
        hostile_texts,
        st.sampled_from(["catalog", "program"]),
        st.sampled_from(["json", "yaml", "bytes"]),
    )
    def test_loaders(self, tmp_path, text, kind, form):
        """Text with controls, surrogates, invisible characters and formula prefixes either
        loads clean (no control character or surrogate, in NFC) or is refused with short,
        escaped messages; nothing else happens."""
        document = _catalog_with(text) if kind == "catalog" else _program_with(text)
        # JSON text is also YAML (a flow mapping with double-quoted, escaped strings)
        raw = json.dumps(document).encode("ascii")
        loader = iopkit.load_catalog if kind == "catalog" else load_program
        if form == "bytes":
            source = raw
        else:
            source = tmp_path / f"f.{form}"
            source.write_bytes(raw)
        try:
            loaded = loader(source)
        except InputError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert not UNSAFE.search(problem.message), problem.message
                assert len(problem.message) < 400
            return
        for value in _strings(loaded):
            assert not UNSAFE.search(value)
            assert unicodedata.is_normalized("NFC", value)
        if not UNSAFE.search(text) and text.strip() and len(text) <= 200:
            expected = unicodedata.normalize("NFC", text)
            assert expected in set(_strings(loaded))

    @FUZZ
    @given(hostile_texts)
    def test_formula_prefixes_are_text(self, tmp_path, text):
        """A title that starts like a spreadsheet formula is ordinary text to the loaders:
        it loads as written when it holds no control character."""
        title = "=" + "".join(c for c in text if c.isprintable()) + "x"
        catalog = iopkit.load_catalog(json.dumps(_catalog_with(title)).encode())
        assert catalog.activity("walk").title == unicodedata.normalize("NFC", title)


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


class TestSchemaCopies:
    @pytest.mark.parametrize("name", ["catalog", "program", "curriculum", "profile"])
    def test_schema_is_a_copy(self, name):
        """iopkit.schema() returns a copy: changing it changes neither later copies nor
        what documents are checked against."""
        first = iopkit.schema(name)
        first["properties"].clear()
        first["$defs"] = "broken"
        assert iopkit.schema(name)["properties"]
        assert iopkit.schema(name) != first
        compose(load_program(_example()))


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
