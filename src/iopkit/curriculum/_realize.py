"""Turning the search's picks into sessions: exact lengths, activities and block order."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from iopkit._activity import Activity
from iopkit._session import Block, Session
from iopkit._types import ActivityKind
from iopkit.curriculum._curriculum import Week
from iopkit.curriculum._menu import FillerClass, Item
from iopkit.curriculum._model import Model
from iopkit.curriculum._search import Pick, Search

# Where kinds of filler sit in a session, earliest first: a calm start, teaching, then
# practice and group process, with individual services around them.
_RANK = {
    ActivityKind.MINDFULNESS: 0,
    ActivityKind.ASSESSMENT: 1,
    ActivityKind.PSYCHOEDUCATION: 2,
    ActivityKind.SKILLS_TRAINING: 3,
    ActivityKind.SKILLS_PRACTICE: 4,
    ActivityKind.ROLE_PLAY: 5,
    ActivityKind.INDIVIDUAL_CHECK_IN: 6,
    ActivityKind.INDIVIDUAL_THERAPY: 6,
    ActivityKind.FAMILY_THERAPY: 6,
    ActivityKind.MEDICATION_MANAGEMENT: 6,
    ActivityKind.PROCESS_GROUP: 7,
    ActivityKind.EXPRESSIVE_THERAPY: 7,
    ActivityKind.PEER_SUPPORT: 8,
}


def _spread(total: int, lows: Sequence[int], highs: Sequence[int]) -> list[int]:
    """Values within [low, high] each, summing to ``total``, as even as possible."""
    values = list(lows)
    extra = total - sum(values)
    while extra > 0:
        room = [i for i in range(len(values)) if values[i] < highs[i]]
        if not room:
            break
        share = max(1, extra // len(room))
        for i in room:
            step = min(share, highs[i] - values[i], extra)
            values[i] += step
            extra -= step
            if extra == 0:
                break
    return values


def choose_service(search: Search, picks: Sequence[Pick], w: int) -> list[int]:
    """Service minutes per session of a week: near the preferred length, meeting the
    weekly limits."""
    model = search.model
    mid = (model.wall_min + model.wall_max) // 2
    preferred = [min(max(mid - p.choice.breaks * model.break_minutes, p.lo), p.hi) for p in picks]
    breaks = sum(p.choice.breaks * model.break_minutes for p in picks)
    window = search.service_window(w, sum(p.lo for p in picks), sum(p.hi for p in picks), breaks)
    if window is None:  # pragma: no cover - the search only keeps weeks that have one
        raise RuntimeError("internal error: a week without a service window")
    total = sum(preferred)
    target = min(max(total, window[0]), window[1])
    if target == total:
        return preferred
    if target > total:
        return _spread(target, preferred, [p.hi for p in picks])
    lowered = _spread(
        sum(p.hi for p in picks) - target,
        [p.hi - v for p, v in zip(picks, preferred, strict=True)],
        [p.hi - p.lo for p in picks],
    )
    return [p.hi - d for p, d in zip(picks, lowered, strict=True)]


class Realizer:
    """Builds concrete sessions, rotating interchangeable activities for variety."""

    def __init__(self, model: Model, classes: tuple[FillerClass, ...], seed: int) -> None:
        self.model = model
        self.classes = classes
        self.used: Counter[str] = Counter()
        rng = random.Random(seed ^ 0x5EED)
        self.order = {
            index: sorted(cls.activities, key=lambda a: (rng.random(), a.id))
            for index, cls in enumerate(classes)
        }
        self.last_session: set[str] = set()

    def weeks(self, search: Search) -> list[Week]:
        """Every week of the curriculum, sessions numbered from 1."""
        result = []
        cursor = 0
        number = 1
        for w, option in enumerate(search.options):
            picks = search.picks[cursor : cursor + len(option.slots)]
            cursor += len(option.slots)
            services = choose_service(search, picks, w)
            sessions = []
            for pick, service in zip(picks, services, strict=True):
                sessions.append(self.session(number, pick, service))
                number += 1
            result.append(Week(number=w + 1, sessions=tuple(sessions)))
        return result

    def session(self, number: int, pick: Pick, service: int) -> Session:
        """One concrete session realising ``service`` minutes."""
        model = self.model
        plan = pick.choice.plan_for(service)
        capacity = model.break_after or 10**6
        seg_lows = [sum(i.lo for i in seg) for seg in plan.segments]
        seg_highs = [min(capacity, sum(i.hi for i in seg)) for seg in plan.segments]
        seg_totals = _spread(service, seg_lows, seg_highs)
        in_session: set[str] = {a.id for a in (*model.opening, *model.closing)}
        blocks: list[Block] = []
        start = 0
        for seg_index, (segment, total) in enumerate(zip(plan.segments, seg_totals, strict=True)):
            if seg_index > 0 and model.break_activity is not None:
                blocks.append(
                    Block.of(model.break_activity, start=start, minutes=model.break_minutes)
                )
                start += model.break_minutes
            lengths = _spread(total, [i.lo for i in segment], [i.hi for i in segment])
            placed = [
                (self._activity(item, pick, in_session), item, minutes)
                for item, minutes in zip(segment, lengths, strict=True)
            ]
            for activity, item, minutes in _arrange(placed):
                lesson = None
                if item.order >= 0:
                    t, position = pick.lessons[item.order]
                    spec = model.tracks[t]
                    step = spec.lesson(position)
                    lesson = (step.module, step.number, spec.track.name)
                blocks.append(
                    Block.of(
                        activity,
                        start=start,
                        minutes=minutes,
                        module=lesson[0] if lesson else None,
                        lesson=lesson[1] if lesson else None,
                        track=lesson[2] if lesson else None,
                    )
                )
                start += minutes
        self.last_session = {b.activity for b in blocks}
        return Session(number=number, day=pick.slot.day, date=pick.slot.date, blocks=blocks)

    def _activity(self, item: Item, pick: Pick, in_session: set[str]) -> Activity:
        if item.activity is not None:
            if item.order >= 0:
                return pick.activities[item.order]
            return item.activity
        candidates = [a for a in self.order[item.cls] if a.id not in in_session]
        candidates.sort(key=lambda a: (self.used[a.id], a.id in self.last_session))
        chosen = candidates[0]
        in_session.add(chosen.id)
        self.used[chosen.id] += 1
        return chosen


def _arrange(placed: list[tuple[Activity, Item, int]]) -> list[tuple[Activity, Item, int]]:
    """Order a segment: opening first, then fillers by rank with lessons kept together in
    their order, closing last."""
    opening = [p for p in placed if p[1].pin == 1]
    closing = [p for p in placed if p[1].pin == 2]
    lessons = sorted((p for p in placed if p[1].order >= 0), key=lambda p: p[1].order)
    fillers = sorted(
        (p for p in placed if p[1].pin == 0 and p[1].order < 0),
        key=lambda p: (_RANK.get(p[0].kind, 5), p[0].id),
    )
    middle: list[tuple[Activity, Item, int]] = []
    if lessons:
        rank = _RANK.get(lessons[0][0].kind, 3)
        before = [f for f in fillers if _RANK.get(f[0].kind, 5) <= rank]
        after = [f for f in fillers if _RANK.get(f[0].kind, 5) > rank]
        middle = before + lessons + after
    else:
        middle = fillers
    return opening + middle + closing
