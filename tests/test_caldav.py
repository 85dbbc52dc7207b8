"""The iCalendar export published to a real CalDAV server (Radicale on 127.0.0.1)."""

import base64
import datetime as dt
import functools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import attrs
import icalendar
import pytest

from iopkit.curriculum import Curriculum, compose, load_program
from iopkit.export import to_ics_objects

caldav = pytest.importorskip("caldav")
pytest.importorskip("radicale")

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
USER = "clinic"


@functools.cache
def composed(*extra: dt.date) -> Curriculum:
    """The example in a time zone, with more closures when asked, composed again."""
    program = load_program(EXAMPLE)
    program = attrs.evolve(
        program,
        closures=(*program.closures, *extra),
        timezone="America/Chicago",
        location="Building B, Room 204",
    )
    return compose(program)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    """A Radicale server on a free port of 127.0.0.1, reading no configuration but its
    own: no authentication, files under tmp_path, no hooks, no sharing, no web page."""
    port = free_port()
    config = tmp_path / "radicale.conf"
    config.write_text(
        "\n".join(
            [
                "[server]",
                f"hosts = 127.0.0.1:{port}",
                "[auth]",
                "type = none",
                "[rights]",
                "type = owner_only",
                "[storage]",
                f"filesystem_folder = {tmp_path / 'collections'}",
                "hook =",
                "[hook]",
                "type = none",
                "[sharing]",
                "type = none",
                "[web]",
                "type = none",
                "[logging]",
                "level = warning",
            ]
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "RADICALE_CONFIG"}
    log = (tmp_path / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "radicale did not start: "
                        + (tmp_path / "radicale.log").read_text(errors="replace")
                    )
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
            process.wait()
        log.close()


def calendar_at(url: str):
    credentials = base64.b64encode(f"{USER}:unused".encode()).decode()
    client = caldav.DAVClient(url=url, headers={"Authorization": f"Basic {credentials}"})
    return client.principal().make_calendar(name="Adult IOP", cal_id="adult-iop")


def publish(calendar, objects: dict[str, bytes]) -> None:
    """Replace the calendar's events with ``objects``: put each one as it is (SEQUENCE
    untouched), then delete the events whose UIDs are gone."""
    for data in objects.values():
        calendar.add_event(data.decode("utf-8"), increase_seqno=False)
    for event in calendar.events():
        if str(event.icalendar_component["uid"]) not in objects:
            event.delete()


def stored(calendar) -> list[icalendar.Event]:
    return [event.icalendar_component for event in calendar.events()]


def test_publish_then_update_after_a_closure(server):
    """After publishing, adding a closure and publishing again, the server holds exactly
    the new events: no duplicate, none stale, each with the new times and SEQUENCE."""
    calendar = calendar_at(server)
    first = to_ics_objects(composed())
    publish(calendar, first)
    assert sorted(str(e["uid"]) for e in stored(calendar)) == sorted(first)

    closed = dt.date(2027, 2, 9)
    second = to_ics_objects(composed(closed))
    publish(calendar, second)
    events = stored(calendar)
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids))
    assert set(uids) == set(second)
    for event in events:
        expected = icalendar.Calendar.from_ical(second[str(event["uid"])]).walk("VEVENT")[0]
        assert event.decoded("dtstart") == expected.decoded("dtstart")
        assert event.decoded("dtend") == expected.decoded("dtend")
        assert int(event["sequence"]) == int(expected["sequence"]) == 2
        assert str(event["location"]) == "Building B, Room 204"
    starts = {e.decoded("dtstart").date() for e in events}
    assert closed not in starts
    assert dt.date(2027, 2, 10) in starts or dt.date(2027, 2, 12) in starts


def test_events_of_a_dropped_week_are_deleted(server):
    """Publishing a curriculum one week shorter leaves no event of the dropped week."""
    calendar = calendar_at(server)
    full = composed()
    publish(calendar, to_ics_objects(full))
    shorter = attrs.evolve(full, weeks=full.weeks[:-1])
    objects = to_ics_objects(shorter)
    publish(calendar, objects)
    uids = sorted(str(e["uid"]) for e in stored(calendar))
    assert uids == sorted(objects)
    assert len(uids) == sum(len(w.sessions) for w in shorter.weeks)
    assert not any(
        u.endswith(tuple(f"-w{len(full.weeks)}-{d}@iopkit" for d in ("mon", "tue", "thu")))
        for u in uids
    )


def test_publishing_twice_changes_nothing(server):
    """Publishing the same file again leaves the same events, not twice as many."""
    calendar = calendar_at(server)
    objects = to_ics_objects(composed())
    publish(calendar, objects)
    publish(calendar, objects)
    events = stored(calendar)
    assert len(events) == len(objects)
    assert {int(e["sequence"]) for e in events} == {1}


# -- groups and a patient's own calendar ----------------------------------------------------


def grouped() -> Curriculum:
    """A hand-built curriculum with groups beside, before and after its sessions, in a
    time zone."""
    from .test_journey_export import evening

    curriculum = evening()
    return attrs.evolve(
        curriculum, program=attrs.evolve(curriculum.program, timezone="America/Chicago")
    )


def test_group_sittings_are_events_of_their_own(server):
    """Published, each group sitting is an event beside its session's, at its own zoned
    times and in its own room."""
    calendar = calendar_at(server)
    curriculum = grouped()
    objects = to_ics_objects(curriculum)
    publish(calendar, objects)
    events = {str(e["uid"]): e for e in stored(calendar)}
    assert set(events) == set(objects)
    assert len(events) == sum(1 + len(s.groups) for _, s in curriculum.sessions())
    before = next(e for u, e in events.items() if u.endswith("-w1-mon-early-recovery@iopkit"))
    assert before.decoded("dtstart") == dt.datetime(
        2027, 1, 4, 17, 10, tzinfo=before.decoded("dtstart").tzinfo
    )
    assert before.decoded("dtstart").utcoffset() == dt.timedelta(hours=-6)
    assert str(before["location"]) == "Room 7"
    publish(calendar, objects)
    assert len(stored(calendar)) == len(objects)


def test_a_patients_calendar_follows_a_longer_stay(server):
    """A patient's calendar published for a 2-week stay, then for 3 weeks, holds exactly
    the sittings of the longer stay: none twice, none stale."""
    from iopkit.curriculum import journey
    from iopkit.export import journey_ics_objects

    calendar = calendar_at(server)
    curriculum = grouped()
    first = journey_ics_objects(curriculum, journey(curriculum, 1, stay=2))
    publish(calendar, first)
    assert sorted(str(e["uid"]) for e in stored(calendar)) == sorted(first)
    second = journey_ics_objects(curriculum, journey(curriculum, 1, stay=3))
    publish(calendar, second)
    events = stored(calendar)
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)) == len(second)
    assert set(uids) == set(second)
    rooms = {str(e.get("location")) for e in events}
    assert {"Room 7", "Room 12", "Building B, Room 204"} <= rooms
    last = max(e.decoded("dtstart") for e in events)
    assert last.date() == dt.date(2027, 1, 21)
