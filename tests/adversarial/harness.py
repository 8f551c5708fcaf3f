"""Helpers of the fault-and-abuse suite: real servers, raw calls, valid requests, the oracle, tallies.

Everything here drives the service from the outside: an ``spi-server`` subprocess on 127.0.0.1,
the gRPC wire (raw bytes or spi.v1 messages) and its logs. Nothing imports the server's internals,
so the suite runs unchanged against whatever the server becomes inside.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from spi.v1 import engine_pb2, scoring_pb2
from spi.v1 import simulation_pb2 as sim
from spi.v1 import survey_pb2 as sp

SERVICE = "spi.v1.SpiEngine"
START_TIMEOUT = 60.0
DATA_LIMIT = 3 * 2**30
"""RLIMIT_DATA of every server: a runaway allocation fails inside it instead of eating the
machine (the suite's memory bound is far below; see test_long_strings)."""
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 2**20),
    ("grpc.max_receive_message_length", 64 * 2**20),
]
DECIDING = (
    "Score",
    "Summarize",
    "Simulate",
    "GoalSeek",
    "Sensitivity",
    "Sweep",
    "EstimateUncertainty",
    "CompareRulesets",
    "ScoreSurvey",
)
"""Methods whose calls the decision log records."""


# --- the tally printed at the end of the run (see conftest.py) ---------------------------------


@dataclass
class Tally:
    """What one class of inputs did: every count but ``tried`` must stay 0."""

    tried: int = 0
    internal: int = 0
    wrong: int = 0
    stalls: int = 0
    unrecorded: int = 0
    other: int = 0
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, example: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < EXAMPLES:
            flat = " | ".join(example.split("\n"))
            self.examples.append(f"{kind}: {flat[:300]}")

    def failures(self) -> int:
        return self.internal + self.wrong + self.stalls + self.unrecorded + self.other

    def verdict(self) -> str:
        """An assertion message listing the first failures."""
        return f"{self}\n  " + "\n  ".join(self.examples)


TALLIES: dict[str, Tally] = {}
EXAMPLES = int(os.environ.get("SPI_ADVERSARIAL_EXAMPLES", "5"))
"""Failures listed per class (all are counted)."""


def tally(name: str) -> Tally:
    """The tally of the class ``name`` (created on first use)."""
    return TALLIES.setdefault(name, Tally())


# --- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    """A running ``spi-server`` subprocess."""

    process: subprocess.Popen[bytes]
    folder: Path
    port: int = 0
    metrics_port: int | None = None
    decision_log: Path | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text("utf-8", errors="replace").splitlines()

    def events(self, name: str) -> list[dict[str, Any]]:
        """The JSON log lines with this event."""
        found = []
        for line in self.log_lines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict) and parsed.get("event") == name:
                found.append(parsed)
        return found

    def decisions(self, path: Path | None = None) -> list[dict[str, Any]]:
        """The decision log's lines; a line that is not JSON is kept as {"unparsed": text}."""
        target = path or self.decision_log
        if target is None or not target.exists():
            return []
        lines = []
        for text in target.read_text("utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(text))
            except ValueError:
                lines.append({"unparsed": text})
        return lines

    def memory_kib(self, key: str = "VmHWM") -> int:
        """VmHWM (peak resident set) or VmRSS of the server, in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {key} in /proc/{self.process.pid}/status")

    def alive(self) -> bool:
        return self.process.poll() is None


def server_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "spi-server"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "spi_server.main", *args]


def launch(folder: Path, *args: str) -> Server:
    """Start spi-server on 127.0.0.1:0 and wait until it writes its port file."""
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "port.json"
    port_file.unlink(missing_ok=True)
    command = server_command("--address", "127.0.0.1:0", "--port-file", str(port_file), *args)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPI_")}
    with open(folder / "server.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log, env=environment)
    resource.prlimit(process.pid, resource.RLIMIT_DATA, (DATA_LIMIT, DATA_LIMIT))
    server = Server(process, folder)
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists() or not port_file.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"spi-server did not start: {server.log_path.read_text()}")
        time.sleep(0.05)
    ports = json.loads(port_file.read_text("utf-8"))
    server.port, server.metrics_port = ports["port"], ports.get("metrics_port")
    if "--decision-log" in args:
        server.decision_log = Path(args[args.index("--decision-log") + 1])
    return server


def stop(server: Server, wait: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``wait`` seconds."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(wait)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


# --- calls --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How one call ended: the status code's name, the message, field violations, responses."""

    code: str
    message: str = ""
    fields: tuple[str, ...] = ()
    details_bytes: int = 0
    responses: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == "OK"


def method_kind(name: str) -> tuple[bool, bool]:
    """(client streaming, server streaming) of an spi.v1.SpiEngine method."""
    method = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods_by_name[name]
    return method.client_streaming, method.server_streaming


def message_classes(name: str) -> tuple[type[Message], type[Message]]:
    """(request class, response class) of an spi.v1.SpiEngine method."""
    method = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods_by_name[name]
    return (
        message_factory.GetMessageClass(method.input_type),
        message_factory.GetMessageClass(method.output_type),
    )


def method_names() -> list[str]:
    return [m.name for m in engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods]


def _encode(item: Message | bytes) -> bytes:
    return item if isinstance(item, bytes) else item.SerializeToString()


def invoke(
    channel: grpc.Channel,
    name: str,
    request: Message | bytes | Sequence[Message | bytes],
    *,
    timeout: float = 30.0,
    metadata: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Call ``name`` with a message or raw bytes (a sequence of them for an upload)."""
    client_streaming, server_streaming = method_kind(name)
    path = f"/{SERVICE}/{name}"
    _, response_class = message_classes(name)
    try:
        if client_streaming:
            items = request if isinstance(request, list | tuple) else [request]
            upload = channel.stream_unary(path)
            raw = upload(iter([_encode(i) for i in items]), timeout=timeout, metadata=metadata)
            return Outcome("OK", responses=[response_class.FromString(raw)])
        assert isinstance(request, Message | bytes)
        if server_streaming:
            stream = channel.unary_stream(path)
            answers = [
                response_class.FromString(r)
                for r in stream(_encode(request), timeout=timeout, metadata=metadata)
            ]
            return Outcome("OK", responses=answers)
        raw = channel.unary_unary(path)(_encode(request), timeout=timeout, metadata=metadata)
        return Outcome("OK", responses=[response_class.FromString(raw)])
    except grpc.RpcError as error:
        return outcome_of(error)


def outcome_of(error: grpc.RpcError) -> Outcome:
    """The status of a failed call, with the BadRequest field paths when it carries one."""
    code = error.code().name  # type: ignore[attr-defined]
    message = error.details() or ""  # type: ignore[attr-defined]
    fields: list[str] = []
    size = 0
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError as mismatch:  # the details say another code than the call (cut trailers)
        return Outcome(code, f"{message} [{mismatch}]", (), _trailer_bytes(error))
    if status is not None:
        size = status.ByteSize()
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields.extend(v.field for v in bad.field_violations)
    return Outcome(code, message, tuple(fields), size)


def _trailer_bytes(error: grpc.RpcError) -> int:
    trailers = error.trailing_metadata() or ()  # type: ignore[attr-defined]
    return sum(len(key) + len(value) for key, value in trailers)


def health(channel: grpc.Channel, timeout: float = 5.0) -> str:
    """The server's overall health status name, or the error code's name."""
    try:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=timeout
        )
    except grpc.RpcError as error:
        return str(error.code().name)  # type: ignore[attr-defined]
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))


def decision_ids(outcome: Outcome) -> list[str]:
    """The decision ids an OK answer carries (a stream carries it in its first message)."""
    found = []
    for response in outcome.responses:
        found.extend(_decision_ids(response))
    return found


def _decision_ids(message: Message) -> Iterator[str]:
    for descriptor, value in message.ListFields():
        if descriptor.name == "decision_id" and value:
            yield value
        elif descriptor.message_type is not None and not descriptor.is_repeated:
            yield from _decision_ids(value)


def doubles(message: Message) -> Iterator[tuple[str, float]]:
    """(path, value) of every double or float set anywhere in ``message``."""
    for descriptor, value in message.ListFields():
        kind = descriptor.cpp_type
        if descriptor.message_type is not None:
            items = value if descriptor.is_repeated else [value]
            for i, item in enumerate(items):
                for path, number in doubles(item):
                    yield f"{descriptor.name}[{i}].{path}", number
        elif kind in (descriptor.CPPTYPE_DOUBLE, descriptor.CPPTYPE_FLOAT):
            items = value if descriptor.is_repeated else [value]
            for i, number in enumerate(items):
                yield f"{descriptor.name}[{i}]", number


# --- valid requests -----------------------------------------------------------------------------


def unit(unit_id: str = "u1", group: str = "kota", **values: float) -> scoring_pb2.UnitInput:
    """A valid unit, correction written explicitly (0 is fine); ``values`` override."""
    fields: dict[str, Any] = {
        "internal": 75.61,
        "external": 89.02,
        "expert": 79.53,
        "correction_integrity": 3.5,
        "correction_prevalence": 4.09,
    }
    fields.update(values)
    return scoring_pb2.UnitInput(unit_id=unit_id, group=group, **fields)


def inline(*units: scoring_pb2.UnitInput) -> sim.UnitSelection:
    chosen = units or (unit("u1"), unit("u2", internal=70.0, external=72.5, expert=68.25))
    return sim.UnitSelection(inline=sim.InlineUnits(units=list(chosen)))


def valid_requests() -> dict[str, Message | list[Message]]:
    """One small valid request of every spi.v1.SpiEngine method (a list for the upload)."""
    two = [unit("u1"), unit("u2", internal=70.0, external=72.5, expert=68.25)]
    range_axis = sim.SweepAxis(lever="internal", range=sim.AxisRange(start=60, stop=90, step=0.5))
    samples = sim.StandardErrors(
        units=[sim.ComponentValues(internal=1.2, external=0.8, expert=1.5)]
    )
    return {
        "ListRulesets": engine_pb2.ListRulesetsRequest(),
        "GetRuleset": engine_pb2.GetRulesetRequest(ruleset_id="spi-2024"),
        "ValidateRuleset": engine_pb2.ValidateRulesetRequest(text=ruleset_text()),
        "Score": engine_pb2.ScoreRequest(ruleset_id="spi-2024", units=two),
        "Summarize": engine_pb2.SummarizeRequest(ruleset_id="spi-2024", units=two),
        "Simulate": sim.SimulateRequest(
            ruleset_id="spi-2024",
            units=inline(),
            scenario=sim.Scenario(
                name="s",
                interventions=[
                    sim.Intervention(lever="internal", operation=sim.OPERATION_ADD, value=2.5)
                ],
                variant=sim.RulesetVariant(
                    id="v1",
                    weights=sim.VariantWeights(internal=0.3, external=0.3, expert=0.4),
                    lower_bounds=[sim.CategoryBound(category="terjaga", lower_bound=79)],
                    correction_factors=sim.VariantFactors(integrity=1, prevalence=0.5),
                ),
            ),
        ),
        "GoalSeek": sim.GoalSeekRequest(
            ruleset_id="spi-2024",
            units=inline(),
            target=sim.Target(index=80.5),
            costs=[
                sim.LeverCost(lever="internal", cost_per_point=1.0, max_change=20),
                sim.LeverCost(lever="external", cost_per_point=2.0),
            ],
        ),
        "Sensitivity": sim.SensitivityRequest(ruleset_id="spi-2024", units=inline()),
        "Sweep": sim.SweepRequest(ruleset_id="spi-2024", units=inline(), axes=[range_axis]),
        "EstimateUncertainty": sim.EstimateUncertaintyRequest(
            ruleset_id="spi-2024",
            units=inline(),
            sampling=sim.SamplingInput(standard_errors=samples),
            level=0.9,
            draws=200,
            seed=7,
            certainty=0.8,
        ),
        "CompareRulesets": sim.CompareRulesetsRequest(
            old=sim.RulesetChoice(id="spi-2023"),
            new=sim.RulesetChoice(
                variant=sim.VariantOf(
                    base_id="spi-2024",
                    variant=sim.RulesetVariant(
                        id="v2", weights=sim.VariantWeights(internal=0.2, external=0.4, expert=0.4)
                    ),
                )
            ),
            units=inline(),
        ),
        "ListDatasets": sim.ListDatasetsRequest(),
        "ScoreSurvey": survey_upload(),
        "SurveyProgress": survey_progress(),
    }


def ruleset_text(ruleset_id: str = "spi-2024") -> str:
    """The text of a bundled ruleset file."""
    from spi_engine import rulesets

    return (Path(rulesets.__file__).parent / f"{ruleset_id}.txtpb").read_text("utf-8")


def _survey(respondents: int = 90) -> Any:
    import spi_engine.survey as sv

    return sv.generate(sv.bundled_instrument(), institutions=1, respondents=respondents, seed=3)


def survey_upload(respondents: int = 90, respondent_id: str = "") -> list[Message]:
    """A whole ScoreSurvey upload (start, chunks, end); ``respondent_id`` renames respondent 0."""
    import spi_engine.survey as sv
    from spi_client.survey_client import population_entries
    from spi_engine.convert_survey import score_requests

    survey = _survey(respondents)
    instrument = sv.bundled_instrument()
    c = survey.columns
    ids = list(c["respondent_id"])
    if respondent_id:
        ids[0] = respondent_id
    responses = sv.responses_from_columns(
        instrument,
        respondent_ids=ids,
        unit_ids=c["unit_id"],
        groups=c["group"],
        answers={i: c[i] for i in instrument.item_ids},
        sub_unit_ids=c["sub_unit_id"],
    )
    p = survey.population
    population = sv.population_from_columns(
        p["unit_id"],
        p["group"],
        p["population"],
        sampled=p["sampled"],
        sub_unit_ids=p["sub_unit_id"],
    )
    start = sp.ScoreSurveyStart(
        instrument_id=instrument.id,
        ruleset_id="spi-2024",
        population=population_entries(population),
    )
    return list(score_requests(start, responses, 40))


def survey_progress() -> sp.SurveyProgressRequest:
    upload = survey_upload()
    start = upload[0].start  # type: ignore[attr-defined]
    counts = [
        sp.ResponseCount(unit_id=e.unit_id, sub_unit_id=e.sub_unit_id, group=e.group, respondents=5)
        for e in start.population
    ]
    return sp.SurveyProgressRequest(
        instrument_id=start.instrument_id, population=start.population, responses=counts
    )


# --- the exact-decimal oracle -------------------------------------------------------------------


def exact(value: float) -> Fraction:
    """The decimal a float was written as (0.305 -> 305/1000), as an exact fraction."""
    return Fraction(Decimal(repr(value)))


@dataclass(frozen=True)
class Oracle:
    """A ruleset's published index and category in exact decimal arithmetic (ROUND_HALF_UP)."""

    weights: tuple[Fraction, Fraction, Fraction]
    factors: tuple[Fraction, Fraction]
    bounds: tuple[Fraction, Fraction]
    decimals: int
    categories: tuple[tuple[Fraction, str], ...]

    @classmethod
    def of(cls, ruleset: Any) -> Oracle:
        """From a spi.v1.Ruleset message (as GetRuleset returns it)."""
        w, c = ruleset.weights, ruleset.correction
        return cls(
            (exact(w.internal), exact(w.external), exact(w.expert)),
            (exact(c.integrity.factor), exact(c.prevalence.factor)),
            (exact(ruleset.bounds.min), exact(ruleset.bounds.max)),
            ruleset.rounding.decimals,
            tuple((exact(k.lower_bound), k.id) for k in ruleset.categories.categories),
        )

    def steps(self, unit: scoring_pb2.UnitInput) -> int:
        """The published index as an integer count of 10**-decimals."""
        value = (
            self.weights[0] * exact(unit.internal)
            + self.weights[1] * exact(unit.external)
            + self.weights[2] * exact(unit.expert)
        )
        if unit.HasField("correction_integrity") or unit.HasField("correction_prevalence"):
            value -= self.factors[0] * exact(unit.correction_integrity)
            value -= self.factors[1] * exact(unit.correction_prevalence)
        else:  # a total: the parts' common factor
            assert self.factors[0] == self.factors[1]
            value -= self.factors[0] * exact(unit.correction)
        clamped = min(max(value, self.bounds[0]), self.bounds[1])
        halfway_up = clamped * 10**self.decimals + Fraction(1, 2)
        return halfway_up.numerator // halfway_up.denominator

    def category(self, steps: int) -> str:
        index = Fraction(steps, 10**self.decimals)
        return [name for bound, name in self.categories if bound <= index][-1]


def steps_of(index: float, decimals: int) -> int | None:
    """An answer's published index as a step count, or None when it is not on the grid."""
    steps = round(index * 10**decimals)
    return steps if abs(steps - index * 10**decimals) < 1e-6 else None


def rulesets(channel: grpc.Channel) -> dict[str, Any]:
    """{id: Ruleset message} of every loaded ruleset, fetched with GetRuleset."""
    listed = invoke(channel, "ListRulesets", engine_pb2.ListRulesetsRequest())
    assert listed.ok, listed
    found = {}
    for summary in listed.responses[0].rulesets:  # type: ignore[attr-defined]
        got = invoke(channel, "GetRuleset", engine_pb2.GetRulesetRequest(ruleset_id=summary.id))
        assert got.ok, got
        found[summary.id] = got.responses[0].ruleset  # type: ignore[attr-defined]
    return found


def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("inf")
    rank = max(int(-(-fraction * len(ordered) // 1)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]
