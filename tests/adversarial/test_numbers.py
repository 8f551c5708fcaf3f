"""Hostile numbers in every numeric field: a refusal naming the field, or a correct number.

Issue 8 items 1 and 8. Every double of the valid request of Score, Summarize, Simulate, GoalSeek,
Sensitivity, Sweep, EstimateUncertainty, CompareRulesets and ValidateRuleset (its ruleset sent as
binary) is set in turn to NaN, +-inf, +-1e308, 5e-324, -0.0 and an out-of-range value:

- NaN and +-inf: INVALID_ARGUMENT with a field violation naming the field (ValidateRuleset: valid
  false with such a violation). An OK answer is a wrong number.
- finite values: the same refusal, RESOURCE_EXHAUSTED (a limit named), or OK with only finite
  numbers in the answer and, for Score and Summarize, the exact-decimal oracle's index and
  category (a component outside 0-100 or a negative correction answered OK is wrong).

INTERNAL/UNKNOWN is never acceptable. The CLI and ``spi-server --rulesets`` get the same inputs
in files: exit 2 naming the column or field, never exit 0 or 1, never a traceback.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from google.protobuf.message import Message

from spi.v1 import engine_pb2, ruleset_pb2
from spi.v1 import simulation_pb2 as sim

from . import harness, inputs

pytestmark = pytest.mark.adversarial

NON_FINITE = (math.nan, math.inf, -math.inf)
FINITE = (1e308, -1e308, 5e-324, -0.0, -1.0, 1000.5)
"""-1 and 1000.5 are out of range for scores, weights, levels and probabilities."""
COMPONENTS = ("internal", "external", "expert")
INT_POISONS: tuple[tuple[str, str, int], ...] = (
    ("EstimateUncertainty", "draws", -1),
    ("EstimateUncertainty", "draws", 2**31 - 1),
    ("EstimateUncertainty", "seed", -1),
    ("Sweep", "chunk_size", -1),
    ("Simulate", "chunk_size", -1),
    ("CompareRulesets", "chunk_size", -5),
)
Setter = Callable[[Message, float], None]


def _requests() -> dict[str, Message]:
    found = {
        name: request
        for name, request in inputs.valid_requests().items()
        if isinstance(request, Message)
        and name
        in (
            "Score",
            "Summarize",
            "Simulate",
            "GoalSeek",
            "Sensitivity",
            "Sweep",
            "EstimateUncertainty",
            "CompareRulesets",
        )
    }
    ruleset = text_format.Parse(inputs.ruleset_text(), ruleset_pb2.Ruleset())
    found["ValidateRuleset"] = engine_pb2.ValidateRulesetRequest(binary=ruleset.SerializeToString())
    listed = sim.SweepRequest()
    listed.CopyFrom(found["Sweep"])  # type: ignore[arg-type]
    listed.axes[0].list.values[:] = [70.0, 75.5]
    found["Sweep (values)"] = listed
    return found


def _double_paths(
    message: Message, prefix: str = ""
) -> Iterator[tuple[str, Callable[[Message], tuple[Message, str, int | None]]]]:
    """(path, locate) of every double of ``message`` reachable through fields that are set (unset
    doubles of a set message included, the first unit only); ``locate(copy)`` -> (holder, name, i)."""
    for descriptor in message.DESCRIPTOR.fields:
        name = descriptor.name
        oneof = descriptor.containing_oneof
        if oneof is not None and message.WhichOneof(oneof.name) != name:
            continue
        path = f"{prefix}{name}"
        repeated = descriptor.is_repeated
        if descriptor.message_type is not None:
            value = getattr(message, name)
            if repeated:
                items = list(value)[:1]
                for item in items:
                    for inner, locate in _double_paths(item, f"{path}[0]."):
                        yield inner, _through(name, 0, locate)
            elif message.HasField(name):
                for inner, locate in _double_paths(value, f"{path}."):
                    yield inner, _through(name, None, locate)
        elif descriptor.cpp_type == descriptor.CPPTYPE_DOUBLE:
            if repeated and len(getattr(message, name)):
                yield f"{path}[0]", lambda copy, n=name: (copy, n, 0)
            elif not repeated:
                yield path, lambda copy, n=name: (copy, n, None)


def _through(
    name: str, index: int | None, locate: Callable[[Message], Any]
) -> Callable[[Message], Any]:
    def step(copy: Message) -> Any:
        inner = getattr(copy, name)
        return locate(inner[index] if index is not None else inner)

    return step


def _poisoned(request: Message, locate: Callable[[Message], Any], value: float) -> Message:
    copy = type(request)()
    copy.CopyFrom(request)
    holder, name, index = locate(copy)
    if index is None:
        setattr(holder, name, value)
    else:
        getattr(holder, name)[index] = value
    return copy


def _huge_ruleset() -> ruleset_pb2.Ruleset:
    """spi-2024 renamed, with two weights of 1e308 (their sum overflows)."""
    text = inputs.ruleset_text().replace('id: "spi-2024"', 'id: "huge-weights"', 1)
    ruleset = text_format.Parse(text, ruleset_pb2.Ruleset())
    ruleset.weights.internal = ruleset.weights.external = 1e308
    return ruleset


def _overflowing_rulesets() -> list[tuple[str, str, Message]]:
    """(method, field path, request) of whole rulesets whose weights overflow a sum."""
    huge = _huge_ruleset()
    compare = sim.CompareRulesetsRequest(
        old=sim.RulesetChoice(id="spi-2024"),
        new=sim.RulesetChoice(ruleset=huge),
        units=inputs.inline(),
    )
    return [
        (
            "ValidateRuleset",
            "weights.internal",
            engine_pb2.ValidateRulesetRequest(binary=huge.SerializeToString()),
        ),
        (
            "ValidateRuleset",
            "weights.internal",
            engine_pb2.ValidateRulesetRequest(text=text_format.MessageToString(huge)),
        ),
        ("CompareRulesets", "new.ruleset.weights.internal", compare),
    ]


def _names(path: str) -> list[str]:
    """What a refusal may name for the field at ``path``: the field, or for a field checked with
    its siblings (weights summing to 1, an axis's values) its message or its indexed head."""
    segments = path.split(".")
    names = [segments[-1].split("[")[0]]
    if len(segments) > 1 and not segments[-2].startswith("units"):
        names.append(segments[-2].split("[")[0])
    if "[" in segments[0] and not segments[0].startswith("units"):
        names.append(segments[0])
    return names


def _names_field(outcome: harness.Outcome, path: str) -> bool:
    texts = [*outcome.fields, outcome.message]
    return any(name in text for name in _names(path) for text in texts)


def _validation_names(outcome: harness.Outcome, leaf: str) -> bool | None:
    """ValidateRuleset: True when valid is false with the field named, None when valid."""
    answer = outcome.responses[0]
    if answer.valid:  # type: ignore[attr-defined]
        return None
    return any(leaf in v.field for v in answer.violations)  # type: ignore[attr-defined]


def _in_range(path: str, value: float) -> bool:
    leaf = path.rsplit(".", 1)[-1]
    if leaf in COMPONENTS:
        return 0 <= value <= 100
    return value >= 0  # correction parts and totals


def _check_ok(
    counts: harness.Tally,
    label: str,
    path: str,
    value: float,
    sent: Message,
    outcome: harness.Outcome,
    oracles: dict[str, inputs.Oracle],
) -> None:
    bad = [(p, v) for r in outcome.responses for p, v in harness.doubles(r) if not math.isfinite(v)]
    if bad:
        counts.fail("wrong", f"{label} {path}={value!r}: OK with {bad[0]}")
        return
    if label not in ("Score", "Summarize") or not path.startswith("units"):
        return
    if not _in_range(path, value):
        counts.fail("wrong", f"{label} {path}={value!r}: answered OK, out of range")
        return
    oracle = oracles[sent.ruleset_id]  # type: ignore[attr-defined]
    answer = outcome.responses[0]
    results = (
        answer.results  # type: ignore[attr-defined]
        if label == "Score"
        else sorted((r.result for r in answer.ranking), key=lambda r: r.unit_id)  # type: ignore[attr-defined]
    )
    for given, result in zip(sent.units, results, strict=True):  # type: ignore[attr-defined]
        steps = oracle.steps(given)
        got = inputs.steps_of(result.index, oracle.decimals)
        if got != steps or result.category != oracle.category(steps):
            counts.fail(
                "wrong",
                f"{label} {path}={value!r}: {result.index} {result.category}, oracle {steps}",
            )


def _judge(
    counts: harness.Tally,
    label: str,
    path: str,
    value: float,
    sent: Message,
    outcome: harness.Outcome,
    oracles: dict[str, inputs.Oracle],
) -> None:
    leaf = path.rsplit(".", 1)[-1].split("[")[0]
    example = f"{label} {path}={value!r}: {outcome.code} {outcome.message[:200]}"
    if outcome.code in ("INTERNAL", "UNKNOWN"):
        counts.fail("internal", example)
    elif outcome.code == "INVALID_ARGUMENT":
        if not _names_field(outcome, path):
            counts.fail("other", f"refused without naming {leaf}: {example} {outcome.fields}")
    elif outcome.code == "RESOURCE_EXHAUSTED" and math.isfinite(value):
        pass
    elif outcome.code != "OK":
        counts.fail("other", example)
    elif label == "ValidateRuleset":
        named = _validation_names(outcome, leaf)
        if named is None and not math.isfinite(value):
            counts.fail("wrong", f"{example}: valid")
        elif named is False:
            counts.fail("other", f"{example}: invalid without naming {leaf}")
    elif not math.isfinite(value):
        counts.fail("wrong", f"{example}: answered OK")
    else:
        _check_ok(counts, label, path, value, sent, outcome, oracles)


def test_hostile_numbers_in_every_numeric_field(shared_server: harness.Server) -> None:
    counts = harness.tally("numbers")
    with shared_server.channel() as channel:
        oracles = {k: inputs.Oracle.of(v) for k, v in inputs.rulesets(channel).items()}
        for label, request in _requests().items():
            method = label.split(" ")[0]
            for path, locate in _double_paths(request):
                for value in NON_FINITE + FINITE:
                    sent = _poisoned(request, locate, value)
                    outcome = harness.invoke(channel, method, sent, timeout=30)
                    counts.tried += 1
                    _judge(counts, label, path, value, sent, outcome, oracles)
        for label, path, sent in _overflowing_rulesets():
            outcome = harness.invoke(channel, label, sent, timeout=30)
            counts.tried += 1
            _judge(counts, label, path, 1e308, sent, outcome, oracles)
        requests = _requests()
        for method, name, number in INT_POISONS:
            sent = type(requests[method])()
            sent.CopyFrom(requests[method])
            setattr(sent, name, number)
            outcome = harness.invoke(channel, method, sent, timeout=30)
            counts.tried += 1
            if outcome.code in ("INTERNAL", "UNKNOWN"):
                counts.fail("internal", f"{method} {name}={number}: {outcome.message}")
            elif outcome.code not in ("OK", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"):
                counts.fail("other", f"{method} {name}={number}: {outcome.code} {outcome.message}")
    assert counts.failures() == 0, counts.verdict()


# --- the same through files: the CLI and spi-server --rulesets ----------------------------------

HEADER = "unit_id,internal,external,expert,correction_integrity,correction_prevalence"
CSV_CASES = {
    "NaN correction": ("a,75.61,89.02,79.53,NaN,4.09", "correction_integrity"),
    "empty correction": ("a,75.61,89.02,79.53,,4.09", "correction_integrity"),
    "underscore digits": ("a,7_5.61,89.02,79.53,3.5,4.09", "internal"),
    "decimal comma": ('a,"75,61",89.02,79.53,3.5,4.09', "decimal"),
}
"""One bad cell each; the first also through ``--server``. The CLI takes ~1 s to start, so the
runs are started together."""


def _spi(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "spi"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "spi_client.cli.main"]
    return [*command, *args]


def _run_all(commands: dict[str, list[str]]) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run the commands at once; their outcomes by label."""
    running = {
        label: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for label, command in commands.items()
    }
    done = {}
    for label, process in running.items():
        out, err = process.communicate(timeout=120)
        done[label] = subprocess.CompletedProcess(commands[label], process.returncode, out, err)
    return done


def _judge_exit(counts: harness.Tally, label: str, done: Any, named: str) -> None:
    counts.tried += 1
    said = " | ".join((done.stdout + done.stderr).strip().splitlines()[-2:])
    example = f"{label}: exit {done.returncode}: {said[-300:]}"
    if done.returncode == 0:
        counts.fail("wrong", example)
    # 2: bad input (a server that cannot start, too); 5: an invalid ruleset file (spi --help).
    elif done.returncode not in (2, 5) or "Traceback" in done.stderr:
        counts.fail("internal", example)
    elif named.lower() not in (done.stdout + done.stderr).lower():
        counts.fail("other", f"does not name {named}: {example}")


def _serve(rules: Path, port_file: Path) -> subprocess.CompletedProcess[str]:
    """spi-server with ``--rulesets rules``: how it exits (exit 0 if it served, then stopped)."""
    command = harness.server_command(
        "--address",
        "127.0.0.1:0",
        "--http-address",
        "",
        "--port-file",
        str(port_file),
        "--rulesets",
        str(rules),
    )
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        deadline = time.monotonic() + 60
        while p.poll() is None and not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if p.poll() is None:  # it serves the bad ruleset: stop it
            p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        return subprocess.CompletedProcess(
            command, 0 if port_file.exists() else p.returncode, out, err
        )


def test_hostile_numbers_in_files(tmp_path: Path, shared_server: harness.Server) -> None:
    counts = harness.tally("numbers (files)")
    commands, named = {}, {}
    for label, (row, field) in CSV_CASES.items():
        csv = tmp_path / f"{label.replace(' ', '-')}.csv"
        csv.write_text(f"{HEADER}\n{row}\n", "utf-8")
        commands[f"spi score {label}"] = _spi("score", "--ruleset", "spi-2024", "--input", str(csv))
        named[f"spi score {label}"] = field
    first = next(iter(CSV_CASES))
    commands["spi score --server NaN"] = [
        *commands[f"spi score {first}"],
        *("--server", shared_server.address),
    ]
    named["spi score --server NaN"] = CSV_CASES[first][1]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "huge-weights.txtpb").write_text(text_format.MessageToString(_huge_ruleset()), "utf-8")
    commands["spi rules check weights 1e308"] = _spi(
        "rules", "check", str(rules / "huge-weights.txtpb")
    )
    named["spi rules check weights 1e308"] = "weights"
    served: list[subprocess.CompletedProcess[str]] = []
    server = threading.Thread(target=lambda: served.append(_serve(rules, tmp_path / "port.json")))
    server.start()
    for label, done in _run_all(commands).items():
        _judge_exit(counts, label, done, named[label])
    server.join(120)
    _judge_exit(counts, "spi-server --rulesets weights 1e308", served[0], "weights")
    assert counts.failures() == 0, counts.verdict()
