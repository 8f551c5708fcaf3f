"""Rendering of GoalSeek and Sensitivity answers as text and CSV (conventions: :mod:`spi_client.cli.whatif_render`)."""

from __future__ import annotations

from collections.abc import Sequence

from spi.v1 import simulation_pb2 as pb

from .render import fixed, table
from .whatif_render import (
    _csv,
    engine_line,
    field,
    lever_value,
    num,
    provenance_line,
    signed,
    unit_name,
)

SHORT_REASONS = {
    pb.GOAL_STATUS_NEEDS_SCORE_ABOVE_MAX: "needs > 100",
    pb.GOAL_STATUS_NEEDS_SCORE_BELOW_MIN: "needs < 0",
    pb.GOAL_STATUS_NEEDS_CORRECTION_BELOW_ZERO: "needs correction < 0",
    pb.GOAL_STATUS_NO_EFFECT: "no effect",
    pb.GOAL_STATUS_NOT_APPLICABLE: "does not apply",
    pb.GOAL_STATUS_NO_CATEGORY: "-",
}
TARGET_WAYS = {
    pb.TARGET_DIRECTION_UP: "rise to",
    pb.TARGET_DIRECTION_DOWN: "fall to",
    pb.TARGET_DIRECTION_THERE: "already at",
}


# GoalSeek ---------------------------------------------------------------------------------------


def goal_text(answers: Sequence[pb.GoalSeekResponse]) -> str:
    blocks = []
    for answer in answers:
        p = answer.provenance
        lines = [provenance_line(p), engine_line(p), field("target", answer.target)]
        if answer.costs:
            lines.append(field("costs", ", ".join(_cost(c) for c in answer.costs)))
        for unit in answer.units:
            lines += ["", *_unit_goal(unit, p.index_decimals)]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _cost(cost: pb.LeverCost) -> str:
    bound = f" (at most {num(cost.max_change)})" if cost.HasField("max_change") else ""
    return f"{cost.lever} {num(cost.cost_per_point)}/point{bound}"


def _unit_goal(unit: pb.UnitGoal, d: int) -> list[str]:
    way = TARGET_WAYS.get(unit.direction, "")
    lines = [
        f"{unit_name(unit.unit_id, unit.group)}: {fixed(unit.index, d)} {unit.category}; {way} {fixed(unit.target_index, d)}"
    ]
    body = [
        (
            a.lever,
            signed(a.change) if a.HasField("change") else "-",
            lever_value(a.new_value) if a.HasField("new_value") else "-",
            f"{fixed(a.new_index, d)} {a.new_category}" if a.HasField("new_index") else "-",
            a.reason,
        )
        for a in unit.levers
    ]
    lines += [
        "  " + line
        for line in table(
            ("lever alone", "change", "new value", "new index", ""), body
        ).splitlines()
    ]
    if unit.HasField("plan"):
        lines.append("  " + plan_line(unit.plan, d))
    return lines


def plan_line(plan: pb.PlanAnswer, d: int) -> str:
    if not plan.feasible:
        single = (
            f"; best single lever {num(plan.best_single_cost)}"
            if plan.HasField("best_single_cost")
            else ""
        )
        return f"cheapest plan: not reachable within the bounds{single}"
    moves = ", ".join(f"{c.lever} {signed(c.change)}" for c in plan.changes) or "no change"
    single = (
        f"; best single lever {num(plan.best_single_cost)}"
        if plan.HasField("best_single_cost")
        else ""
    )
    return (
        f"cheapest plan: {moves} -> {fixed(plan.new_index, d)} {plan.new_category}; "
        f"cost {num(round(plan.cost, 6))} (exact optimum {num(round(plan.lp_cost, 6))}{single})"
    )


GOAL_COLUMNS = (
    "unit_id", "group", "index", "category", "target", "target_index", "lever", "status", "change",
    "new_value", "new_index", "new_category", "cost", "lp_cost", "best_single_cost", "ruleset",
    "ruleset_sha256",
)  # fmt: skip


def goal_csv(answers: Sequence[pb.GoalSeekResponse]) -> str:
    lines: list[Sequence[object]] = [GOAL_COLUMNS]
    for answer in answers:
        p = answer.provenance
        for u in answer.units:
            d = p.index_decimals
            head = (
                u.unit_id,
                u.group,
                fixed(u.index, d),
                u.category,
                answer.target,
                fixed(u.target_index, d),
            )
            tail = (p.ruleset_id, p.ruleset_sha256)
            for a in u.levers:
                lines.append((*head, *_lever_cells(a, d), "", "", "", *tail))
            if u.HasField("plan"):
                lines.append((*head, *_plan_cells(u.plan, d), *tail))
    return "".join(_csv(lines))


def _lever_cells(a: pb.LeverAnswer, d: int) -> tuple[str, ...]:
    status = pb.GoalStatus.Name(a.status).removeprefix("GOAL_STATUS_").lower()
    if not a.HasField("change"):
        return (a.lever, status, "", "", "", "")
    return (
        a.lever,
        status,
        fixed(a.change, 2),
        num(a.new_value),
        fixed(a.new_index, d),
        a.new_category,
    )


def _plan_cells(plan: pb.PlanAnswer, d: int) -> tuple[str, ...]:
    moves = ";".join(f"{c.lever}:{fixed(c.change, 2)}" for c in plan.changes)
    best = repr(plan.best_single_cost) if plan.HasField("best_single_cost") else ""
    if not plan.feasible:
        return ("plan", "infeasible", "", "", "", "", "", "", best)
    return (
        "plan",
        "feasible",
        moves,
        "",
        fixed(plan.new_index, d),
        plan.new_category,
        repr(plan.cost),
        repr(plan.lp_cost),
        best,
    )


# Sensitivity ------------------------------------------------------------------------------------


def reach(answer: pb.LeverAnswer) -> str:
    """A lever's reach as a table cell: ``+3.66 -> waspada`` or a short reason."""
    if answer.HasField("change"):
        return f"{signed(answer.change)} -> {answer.new_category}"
    return SHORT_REASONS.get(answer.status, "")


def sensitivity_text(answers: Sequence[pb.SensitivityResponse]) -> str:
    blocks = []
    for answer in answers:
        p = answer.provenance
        slopes = {s.lever: (num(s.slope) if s.HasField("slope") else "-") for s in answer.slopes}
        lines = [
            provenance_line(p),
            engine_line(p),
            "index points per lever point: " + ", ".join(f"{k} {v}" for k, v in slopes.items()),
        ]
        for unit in answer.units:
            reaches = {r.lever: r for r in unit.levers}
            body = [
                (
                    str(rank),
                    lever,
                    slopes[lever],
                    reach(reaches[lever].up),
                    reach(reaches[lever].down),
                )
                for rank, lever in enumerate(unit.ranked, start=1)
            ]
            lines += [
                "",
                f"{unit_name(unit.unit_id, unit.group)}: {fixed(unit.index, p.index_decimals)} {unit.category}",
            ]
            lines += [
                "  " + line
                for line in table(
                    ("rank", "lever", "slope", "to the category above", "to fall below"), body
                ).splitlines()
            ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


SENSITIVITY_COLUMNS = (
    "unit_id", "group", "index", "category", "rank", "lever", "slope", "up_status", "up_change",
    "up_category", "down_status", "down_change", "down_category", "ruleset", "ruleset_sha256",
)  # fmt: skip


def sensitivity_csv(answers: Sequence[pb.SensitivityResponse]) -> str:
    lines: list[Sequence[object]] = [SENSITIVITY_COLUMNS]
    for answer in answers:
        p = answer.provenance
        slopes = {s.lever: (repr(s.slope) if s.HasField("slope") else "") for s in answer.slopes}
        for u in answer.units:
            reaches = {r.lever: r for r in u.levers}
            for rank, lever in enumerate(u.ranked, start=1):
                r = reaches[lever]
                lines.append(
                    (u.unit_id, u.group, fixed(u.index, p.index_decimals), u.category, rank, lever, slopes[lever],
                     *_reach_cells(r.up), *_reach_cells(r.down), p.ruleset_id, p.ruleset_sha256)
                )  # fmt: skip
    return "".join(_csv(lines))


def _reach_cells(a: pb.LeverAnswer) -> tuple[str, str, str]:
    status = pb.GoalStatus.Name(a.status).removeprefix("GOAL_STATUS_").lower()
    return (
        (status, fixed(a.change, 2), a.new_category) if a.HasField("change") else (status, "", "")
    )
