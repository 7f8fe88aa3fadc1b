"""The published processing flow of a case kind, drawn from its workflow definition.

Everything is computed from `workflow_steps(case_class)` and the kind's declared states: a state is a
box, a transition that changes the state is an arrow labelled with its public label, and a
transition that keeps the state (such as assigning) is written inside its box. Changing a
workflow changes the diagram; no template knows any state or step.

Layout: states are placed in rows by their depth from the initial state, counted along the
longest path once every cycle (a step back, like answering a question) is set aside. Plain
breadth-first depth would put "Closed" beside "Under investigation", above "Resolved" which
leads to it; the longest path keeps every forward step pointing down. Steps back point up.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.kinds import declaration_of
from cases.models import Case
from cases.workflows.base import workflow_steps

BOX_WIDTH = 144
BOX_PADDING = 10
STATE_FONT = 15
STATE_LINE = 19
STAYS_FONT = 12
STAYS_LINE = 15
LABEL_FONT = 12
LABEL_LINE = 15
LABEL_MAX_WIDTH = 128
COLUMN_GAP = 84
ROW_GAP = 104
LANE_GAP = 24
CORNER = 8
CLEARANCE = 6
START_GAP = 26  # room above the initial state for the start marker


# --- What is drawn --------------------------------------------------------------------------


@dataclass
class Box:
    state: str
    label: str
    lines: list[str]
    stays: list[str]
    initial: bool
    final: bool
    x: float = 0
    y: float = 0
    width: float = BOX_WIDTH
    height: float = 0

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def text_lines(self) -> list[dict[str, Any]]:
        """Each line of the box's text with its baseline, for the template."""
        rows: list[dict[str, Any]] = []
        baseline = self.y + BOX_PADDING + STATE_FONT
        for line in self.lines:
            rows.append({"text": line, "y": baseline, "css": "flow-state-name"})
            baseline += STATE_LINE
        baseline += 2
        for line in self.stays:
            rows.append({"text": line, "y": baseline - STATE_FONT + STAYS_FONT, "css": "flow-state-stays"})
            baseline += STAYS_LINE
        return rows


@dataclass
class Arrow:
    source: str
    target: str
    label: str
    action: str
    upward: bool
    path: str = ""
    label_lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StepRow:
    """One step in words: from a state, an action, to a state (None: the state stays)."""

    source: str
    action: str
    target: str | None


@dataclass
class FlowDiagram:
    kind: str
    title: str
    description: str
    view_box: str
    width: float
    height: float
    boxes: list[Box]
    arrows: list[Arrow]
    steps: list[StepRow]
    start_marker: dict[str, float]


@dataclass(frozen=True)
class _Move:
    source: str
    target: str
    label: str
    action: str


def list_separator() -> str:
    return pgettext("between items of a list", ", ")


# --- Measuring text -------------------------------------------------------------------------


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def text_width(text: str, size: float) -> float:
    """An estimate good enough for layout, on the generous side: CJK characters are square, Latin
    ones a little over half as wide."""
    return sum(size if _is_wide(ch) else size * 0.62 for ch in text)


_TOKEN = re.compile(r"\s+|[^\s]")


def wrap(text: str, size: float, max_width: float) -> list[str]:
    """Break text into lines no wider than max_width: between words, or between CJK characters."""
    tokens: list[str] = []
    word = ""
    for piece in _TOKEN.findall(text.strip()):
        if piece.isspace() or _is_wide(piece):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(" " if piece.isspace() else piece)
        else:
            word += piece
    if word:
        tokens.append(word)
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = line + token
        if line.strip() and text_width(candidate.rstrip(), size) > max_width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


# --- States, steps and their order ----------------------------------------------------------


def _states(case_class: type[Case]) -> dict[str, str]:
    """Every declared state of the kind, in the public's words."""
    declaration = declaration_of(case_class.objects.kind)  # type: ignore[attr-defined]
    return {state: str(wording.public) for state, wording in declaration.states.items()}


def _sources(source: str, states: dict[str, str], target: str | None) -> list[str]:
    # django-fsm's wildcards: "*" is every state, "+" every state but the target.
    if source == "*":
        return list(states)
    if source == "+":
        return [state for state in states if state != target]
    return [source]


def _initial_state(order: list[str], moves: list[_Move]) -> str:
    """The first declared state no step leads to; failing that, the first declared state."""
    targets = {move.target for move in moves}
    return next((state for state in order if state not in targets), order[0])


def _layers(order: list[str], moves: list[_Move], initial: str) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Each state's row, and the steps that go forward (those left once cycles are set aside)."""
    index = {state: i for i, state in enumerate(order)}
    successors: dict[str, list[str]] = defaultdict(list)
    for move in moves:
        if move.target not in successors[move.source]:
            successors[move.source].append(move.target)
    for targets in successors.values():
        targets.sort(key=index.__getitem__)

    # Depth first from the initial state: a step to a state still on the current path closes
    # a cycle; leaving those out makes the graph acyclic.
    backward: set[tuple[str, str]] = set()
    visited: set[str] = set()
    on_path: set[str] = set()

    def visit(state: str) -> None:
        visited.add(state)
        on_path.add(state)
        for target in successors[state]:
            if target in on_path:
                backward.add((state, target))
            elif target not in visited:
                visit(target)
        on_path.discard(state)

    visit(initial)
    reachable = set(visited)
    for state in order:
        if state not in visited:
            visit(state)

    forward = {(m.source, m.target) for m in moves if (m.source, m.target) not in backward}
    layer = {state: 0 for state in order}
    # Longest path by relaxing in rounds; the graph is small and acyclic, so this settles.
    for _round in range(len(order)):
        changed = False
        for source, target in forward:
            if layer[target] < layer[source] + 1:
                layer[target] = layer[source] + 1
                changed = True
        if not changed:
            break
    # States that cannot be reached come after all others.
    if len(reachable) < len(order):
        offset = max(layer[state] for state in reachable) + 1
        for state in order:
            if state not in reachable:
                layer[state] += offset
    return layer, forward


# --- Geometry -------------------------------------------------------------------------------


def _make_boxes(states: dict[str, str], stays: dict[str, list[str]], initial: str, finals: set[str]) -> list[Box]:
    boxes = []
    for state, label in states.items():
        lines = wrap(label, STATE_FONT, BOX_WIDTH - 2 * BOX_PADDING)
        stays_text = "↻ " + list_separator().join(stays[state]) if stays[state] else ""
        stays_lines = wrap(stays_text, STAYS_FONT, BOX_WIDTH - 2 * BOX_PADDING) if stays_text else []
        height = 2 * BOX_PADDING + len(lines) * STATE_LINE + (len(stays_lines) * STAYS_LINE + 2 if stays_lines else 0)
        boxes.append(Box(state, label, lines, stays_lines, state == initial, state in finals, height=height))
    return boxes


def _place(boxes: dict[str, Box], layer: dict[str, int], order: list[str], moves: list[_Move]) -> None:
    index = {state: i for i, state in enumerate(order)}
    rows: dict[int, list[str]] = defaultdict(list)
    for state in order:
        rows[layer[state]].append(state)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for move in moves:
        if layer[move.source] < layer[move.target]:
            predecessors[move.target].append(move.source)

    widest = max(len(states) for states in rows.values())
    content_width = widest * BOX_WIDTH + (widest - 1) * COLUMN_GAP
    y = START_GAP
    for number in sorted(rows):
        row = rows[number]

        if number > 0:
            # Beneath the states they come from, on average, to keep arrows short and uncrossed.
            row.sort(key=lambda state, above=number: _barycentre(state, above, boxes, predecessors, layer, index))
        row_width = len(row) * BOX_WIDTH + (len(row) - 1) * COLUMN_GAP
        x = (content_width - row_width) / 2
        for state in row:
            boxes[state].x, boxes[state].y = x, y
            x += BOX_WIDTH + COLUMN_GAP
        y += max(boxes[state].height for state in row) + ROW_GAP


def _barycentre(
    state: str,
    row: int,
    boxes: dict[str, Box],
    predecessors: dict[str, list[str]],
    layer: dict[str, int],
    index: dict[str, int],
) -> tuple[float, int]:
    placed = [boxes[p].center_x for p in predecessors[state] if layer[p] < row]
    return (sum(placed) / len(placed) if placed else float("inf"), index[state])


def _crosses(a: tuple[float, float], b: tuple[float, float], box: Box) -> bool:
    """Whether the segment a-b passes through the box (grown by CLEARANCE)."""
    left, right = box.x - CLEARANCE, box.right + CLEARANCE
    top, bottom = box.y - CLEARANCE, box.bottom + CLEARANCE
    steps = 40
    for i in range(steps + 1):
        t = i / steps
        x, y = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        if left < x < right and top < y < bottom:
            return True
    return False


def _cubic(p0: tuple[float, float], p3: tuple[float, float], t: float) -> tuple[float, float]:
    # The vertical S-curve drawn between a bottom and a top: control points straight below
    # and above the ends, halfway.
    mid = (p3[1] - p0[1]) / 2
    p1, p2 = (p0[0], p0[1] + mid), (p3[0], p3[1] - mid)
    u = 1 - t
    x = u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0]
    y = u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]
    return x, y


def _spread(start: float, length: float, count: int) -> list[float]:
    return [start + length * (k + 1) / (count + 1) for k in range(count)]


@dataclass
class _Route:
    arrow: Arrow
    kind: str  # "straight" or "lane"
    side: str = ""  # for lanes: "left" or "right"
    lane: int = 0
    start: tuple[float, float] = (0, 0)
    end: tuple[float, float] = (0, 0)
    lane_x: float = 0
    candidates: list[tuple[float, float]] = field(default_factory=list)


def _route(boxes: dict[str, Box], layer: dict[str, int], moves: list[_Move]) -> list[_Route]:
    routes: list[_Route] = []
    for move in moves:
        source, target = boxes[move.source], boxes[move.target]
        upward = layer[move.target] < layer[move.source] or (
            layer[move.target] == layer[move.source] and target.x < source.x
        )
        arrow = Arrow(move.source, move.target, move.label, move.action, upward)
        others = [box for state, box in boxes.items() if state not in (move.source, move.target)]
        if upward:
            a, b = (source.center_x, source.y), (target.center_x, target.bottom)
        else:
            a, b = (source.center_x, source.bottom), (target.center_x, target.y)
        if abs(layer[move.target] - layer[move.source]) <= 1 or not any(_crosses(a, b, box) for box in others):
            routes.append(_Route(arrow, "straight"))
        else:
            routes.append(_Route(arrow, "lane", side="left" if upward else "right"))

    # Ports: the arrows meeting one side of a box share it, ordered by where their other end
    # is, so that they do not cross on the way. Both ends sort by the same key.
    ports: dict[tuple[str, str], list[tuple[float, int, _Route]]] = defaultdict(list)
    for number, route in enumerate(routes):
        arrow = route.arrow
        source, target = boxes[arrow.source], boxes[arrow.target]
        if route.kind == "straight":
            source_side, target_side = ("top", "bottom") if arrow.upward else ("bottom", "top")
            ports[(arrow.source, source_side)].append((target.center_x, number, route))
            ports[(arrow.target, target_side)].append((source.center_x, number, route))
        else:
            ports[(arrow.source, route.side)].append((target.y, number, route))
            ports[(arrow.target, route.side)].append((source.y, number, route))
    for (state, side), attached in ports.items():
        box = boxes[state]
        attached.sort(key=lambda item: (item[0], item[1]))
        if side in ("top", "bottom"):
            edge_y = box.y if side == "top" else box.bottom
            points = [(x, edge_y) for x in _spread(box.x + 12, box.width - 24, len(attached))]
        else:
            edge_x = box.x if side == "left" else box.right
            points = [(edge_x, y) for y in _spread(box.y, box.height, len(attached))]
        for point, (_key, _number, route) in zip(points, attached, strict=True):
            if route.arrow.source == state:
                route.start = point
            else:
                route.end = point

    # Lanes: arrows on the same side whose spans overlap get separate lanes.
    all_boxes = list(boxes.values())
    for side in ("left", "right"):
        taken: list[list[tuple[float, float]]] = []
        lane_routes = sorted(
            (r for r in routes if r.kind == "lane" and r.side == side),
            key=lambda r: abs(r.end[1] - r.start[1]),
        )
        for route in lane_routes:
            span = (min(route.start[1], route.end[1]), max(route.start[1], route.end[1]))
            lane = next(
                (i for i, spans in enumerate(taken) if all(span[1] < s[0] or span[0] > s[1] for s in spans)),
                len(taken),
            )
            if lane == len(taken):
                taken.append([])
            taken[lane].append(span)
            route.lane = lane
            if side == "right":
                route.lane_x = max(box.right for box in all_boxes) + LANE_GAP * (lane + 1)
            else:
                route.lane_x = min(box.x for box in all_boxes) - LANE_GAP * (lane + 1)

    for route in routes:
        route.arrow.path = _path(route)
        route.candidates = _label_candidates(route)
    return routes


def _path(route: _Route) -> str:
    (x1, y1), (x2, y2) = route.start, route.end
    if route.kind == "straight":
        mid = (y2 - y1) / 2
        return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + mid:.1f} {x2:.1f},{y2 - mid:.1f} {x2:.1f},{y2:.1f}"
    lx = route.lane_x
    out = 1 if lx > x1 else -1  # towards the lane
    down = 1 if y2 > y1 else -1
    r = min(CORNER, abs(y2 - y1) / 2)
    return (
        f"M{x1:.1f},{y1:.1f} H{lx - out * r:.1f} Q{lx:.1f},{y1:.1f} {lx:.1f},{y1 + down * r:.1f} "
        f"V{y2 - down * r:.1f} Q{lx:.1f},{y2:.1f} {lx - out * r:.1f},{y2:.1f} H{x2:.1f}"
    )


def _label_candidates(route: _Route) -> list[tuple[float, float]]:
    fractions = [0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8]
    if route.kind == "straight":
        return [_cubic(route.start, route.end, t) for t in fractions]
    y1, y2 = route.start[1], route.end[1]
    return [(route.lane_x, y1 + (y2 - y1) * t) for t in fractions]


# --- Labels ---------------------------------------------------------------------------------


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlap_area(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _preferred_side(route: _Route, routes: list[_Route]) -> int:
    """Where this arrow's label goes first: -1 left of it, 1 right of it, 0 on it. Of two arrows
    joining the same two states in opposite directions, the left one's label goes left and the
    other's right, so that the two labels do not fight for the space between them."""
    arrow = route.arrow
    for other in routes:
        if other is not route and {other.arrow.source, other.arrow.target} == {arrow.source, arrow.target}:
            mine = (route.start[0] + route.end[0]) / 2
            theirs = (other.start[0] + other.end[0]) / 2
            return -1 if mine < theirs else 1
    return 0


def _place_labels(routes: list[_Route], boxes: list[Box]) -> list[tuple[float, float, float, float]]:
    """Put each arrow's label on or beside its arrow, where it covers the least of the boxes and
    of the labels already placed (nothing, whenever there is such a place)."""
    obstacles = [(b.x - 2, b.y - 2, b.right + 2, b.bottom + 2) for b in boxes]
    placed: list[tuple[float, float, float, float]] = []
    for route in routes:
        lines = wrap(route.arrow.label, LABEL_FONT, LABEL_MAX_WIDTH)
        width = max(text_width(line, LABEL_FONT) for line in lines) + 12
        height = len(lines) * LABEL_LINE + 6
        side = _preferred_side(route, routes)
        beside = width / 2 + 6
        shifts = [side * beside, 0.0, -side * beside] if side else [0.0, beside, -beside]
        best: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        best_cost = float("inf")
        for x, y in route.candidates:
            for dx in shifts:
                rect = (x + dx - width / 2, y - height / 2, x + dx + width / 2, y + height / 2)
                cost = sum(_overlap_area(rect, other) for other in obstacles + placed)
                if cost < best_cost:
                    best, best_cost = rect, cost
            if best_cost == 0:
                break
        placed.append(best)
        x, top = (best[0] + best[2]) / 2, best[1]
        route.arrow.label_lines = [
            {"text": line, "x": x, "y": top + 3 + LABEL_FONT + i * LABEL_LINE} for i, line in enumerate(lines)
        ]
    return placed


# --- The diagram ----------------------------------------------------------------------------


def flow_diagram(case_class: type[Case], kind_label: str) -> FlowDiagram:
    """The processing flow of one case kind, laid out for an inline SVG and described in words."""
    states = _states(case_class)
    moves: list[_Move] = []
    stays: dict[str, list[str]] = defaultdict(list)
    for step in workflow_steps(case_class):
        label = str(step.public_label)
        for source in _sources(step.source, states, step.target):
            states.setdefault(source, source)
            if step.target is None or step.target == source:
                if label not in stays[source]:
                    stays[source].append(label)
            else:
                states.setdefault(step.target, step.target)
                moves.append(_Move(source, step.target, label, step.action))
    if not states:
        raise ValueError(f"{case_class.__name__} has no states")

    order = list(states)
    initial = _initial_state(order, moves)
    layer, _forward = _layers(order, moves, initial)
    index = {state: i for i, state in enumerate(order)}
    moves.sort(key=lambda m: (layer[m.source], index[m.source], layer[m.target], index[m.target], m.action))
    # Where the flow ends: states no step leaves, and the states of the last row (which steps
    # may still leave, back into the flow, e.g. on appeal).
    last_row = max(layer.values())
    finals = {state for state in order if layer[state] == last_row or not any(m.source == state for m in moves)}

    box_list = _make_boxes(states, stays, initial, finals)
    boxes = {box.state: box for box in box_list}
    _place(boxes, layer, order, moves)
    routes = _route(boxes, layer, moves)
    labels = _place_labels(routes, box_list)

    start = boxes[initial]
    start_marker = {"cx": start.center_x, "cy": start.y - START_GAP + 6, "y2": start.y - 2}
    left = min([b.x for b in box_list] + [r.lane_x for r in routes if r.kind == "lane"] + [x[0] for x in labels])
    right = max([b.right for b in box_list] + [r.lane_x for r in routes if r.kind == "lane"] + [x[2] for x in labels])
    top = min([0.0] + [x[1] for x in labels])
    bottom = max([b.bottom for b in box_list] + [x[3] for x in labels])
    margin = 8
    width, height = right - left + 2 * margin, bottom - top + 2 * margin

    ordered_states = sorted(order, key=lambda s: (layer[s], index[s]))
    # In words, state by state: the steps that leave it (already in flow order), then those
    # that keep it.
    steps = []
    for state in ordered_states:
        steps += [StepRow(states[m.source], m.label, states[m.target]) for m in moves if m.source == state]
        steps += [StepRow(states[state], label, None) for label in stays[state]]

    final_labels = list_separator().join(states[s] for s in ordered_states if s in finals)
    return FlowDiagram(
        kind=case_class.__name__.lower(),
        title=_("Processing flow: %(kind)s") % {"kind": kind_label},
        description=_(
            "%(states)d states and %(steps)d steps. It starts at “%(initial)s” and ends at: %(finals)s. "
            "The table after the diagram lists every step in words."
        )
        % {"states": len(order), "steps": len(steps), "initial": states[initial], "finals": final_labels},
        view_box=f"{left - margin:.1f} {top - margin:.1f} {width:.1f} {height:.1f}",
        width=round(width),
        height=round(height),
        boxes=[boxes[s] for s in ordered_states],
        arrows=[route.arrow for route in routes],
        steps=steps,
        start_marker=start_marker,
    )
