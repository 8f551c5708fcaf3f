"""Survey scoring at national scale (601,453 respondents of 641 institutions), against pandas
and polars doing the same work (``bench._survey_peers``), and how the cost grows to 6M.

Measured in one run, best of ``--repeat`` timings each, ours and the peers interleaved:

- in-process: respondent columns already in memory (text ids, int8 answer codes) to scores of
  every unit and sub-unit (validation included), against the same work in pandas and in polars
  (item scores, respondent dimension scores and components, then means, standard deviations
  and counts per unit and per sub-unit, answers counted per item; building the frame included);
- end to end from a file (CSV, and Parquet) written by the generator: read, validate, score,
  against ``read_csv`` / ``read_parquet`` of pandas and polars plus the same work;
- peak memory of both our paths (tracemalloc, in separate untimed runs);
- the CSV file read alone (ours: read and validate, with the population table; the peers: their
  ``read_csv`` into the frame their scoring takes), the part of the end-to-end time that is not
  scoring;
- through the ``ScoreSurvey`` stream: a real ``spi-server`` on loopback (its own process), the
  same columns uploaded by ``SpiClient.score_survey`` in chunks of 50,000 respondents (local
  validation, encoding with answers as packed int8 bytes, upload, the server's validation and
  scoring, the typed result; timed in turn with the in-process run), the client's validation and
  encoding alone, and the server's part alone (the upload's messages built beforehand) with
  answers packed and as ``codes`` (older clients); every answer is checked to be the in-process
  answer (``spi_engine.api.survey``) byte for byte; and, without gRPC, the server's reading of
  the upload's messages and its answering, and the client's typed result of that answer;
- for information: generating the data, writing the files, screening, and folding the upload in
  chunks of 65,536 respondents;
- the scaling curve, 60k -> 600k -> 6M respondents (``bench._survey_curve``): time in-process
  and from CSV against both peers, tracemalloc peak and a fresh process's max RSS per size.

It ends with one line per goal (figure, baseline, ratio, goal, MET or MISSED). Run ``python -m
bench survey`` (or ``make bench``); ``--quick`` runs a small case (a tenth of each size, no
stream), ``--no-curve`` leaves the curve out.
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from spi_engine import bundled
from spi_engine.survey import (
    Instrument,
    bundled_instrument,
    fold,
    generate,
    population_from_columns,
    read_responses,
    score_stats,
    score_survey,
    screen,
    write_survey,
)

from . import _goals
from . import _survey_curve as curve
from . import _survey_peers as peers

GIB = 1024**3
CHUNK = 65_536
STREAM_CHUNK = 50_000
Goal = tuple[str, float, float, str, str, bool]
"""(what, figure, baseline, unit, goal, met); the ratio is baseline / figure"""


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def interleaved(repeat: int, runs: dict[str, Callable[[], Any]]) -> dict[str, tuple[float, Any]]:
    """Each run's best time of ``repeat`` rounds, the runs taken in turn in every round, so that
    load coming and going on the machine hits them all."""
    best = dict.fromkeys(runs, float("inf"))
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            gc.collect()
            started = time.perf_counter()
            results[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: (best[name], results[name]) for name in runs}


def peak_bytes(run: Callable[[], Any]) -> int:
    """Peak traced allocation (numpy buffers included) while ``run`` runs."""
    gc.collect()
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def line(name: str, ours: float, pandas: float, polars: float) -> str:
    return (
        f"  {name:<32} {ours:8.3f} s  {pandas:8.3f} s  {polars:8.3f} s  "
        f"{pandas / ours:5.2f}x  {polars / ours:5.2f}x"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench survey", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--institutions", type=int, default=641)
    parser.add_argument("--respondents", type=int, default=601_453)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--quick", action="store_true", help="a small case (641 institutions, 60,145 respondents)"
    )
    parser.add_argument("--no-curve", action="store_true", help="leave out the scaling curve")
    args = parser.parse_args(argv)
    if args.quick:
        args.respondents, args.repeat = 60_145, 2
    inst = bundled_instrument()
    print(
        f"survey scoring: {args.respondents:,} respondents of {args.institutions} institutions, "
        f"instrument {inst.id} ({len(inst.item_ids)} items), best of {args.repeat}"
    )
    generated, data = best_of(
        1,
        lambda: generate(
            inst, institutions=args.institutions, respondents=args.respondents, seed=args.seed
        ),
    )
    print(f"  generate (seeded, vectorised)      {generated:8.3f} s")
    with tempfile.TemporaryDirectory() as folder:
        goals = report(args, inst, data, Path(folder))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"  this process's max RSS (everything above, peers included): {peak_rss / GIB:.2f} GiB")
    print("goals (figure, baseline measured in the same run, ratio = baseline / figure, goal):")
    for what, figure, baseline, unit, goal, met in goals:
        shown = (what, f"{figure:.3f} {unit}", f"{baseline:.3f} {unit}", f"{baseline / figure:.2f}")
        if goal:
            _goals.goal(*shown, goal, met)
        else:
            _goals.figure(*shown)
    return 0


def report(args: argparse.Namespace, inst: Instrument, data: Any, folder: Path) -> list[Goal]:
    cols, pop = data.columns, data.population
    started = time.perf_counter()
    csv_paths = write_survey(cols, pop, data.truth, inst, folder / "csv", fmt="csv")
    wrote_csv = time.perf_counter() - started
    started = time.perf_counter()
    pq_paths = write_survey(cols, pop, data.truth, inst, folder / "parquet", fmt="parquet")
    wrote_pq = time.perf_counter() - started
    size = csv_paths["respondents"].stat().st_size / 1e6
    print(f"  write CSV ({size:.0f} MB) / Parquet      {wrote_csv:8.3f} s / {wrote_pq:.3f} s")
    csv, pq = csv_paths["respondents"], pq_paths["respondents"]
    timed = interleaved(
        args.repeat,
        {
            "ours": lambda: peers.ours_in_process(inst, cols, pop),
            "pandas": lambda: peers.pandas_in_process(inst, cols),
            "polars": lambda: peers.polars_in_process(inst, cols),
            "ours csv": lambda: peers.ours_from_file(inst, csv, csv_paths["population"]),
            "pandas csv": lambda: peers.pandas_from_file(inst, csv),
            "polars csv": lambda: peers.polars_from_file(inst, csv),
            "ours pq": lambda: peers.ours_from_file(inst, pq, pq_paths["population"]),
            "pandas pq": lambda: peers.pandas_from_file(inst, pq),
            "polars pq": lambda: peers.polars_from_file(inst, pq),
        },
    )
    s = {name: seconds for name, (seconds, _) in timed.items()}
    peak_mem = peak_bytes(lambda: peers.ours_in_process(inst, cols, pop))
    peak_csv = peak_bytes(lambda: peers.ours_from_file(inst, csv, csv_paths["population"]))
    print(f"  {'':<32} {'ours':>10}  {'pandas':>10}  {'polars':>10}  {'vs pandas':>6}  vs polars")
    print(line("in-process (columns -> scores)", s["ours"], s["pandas"], s["polars"]))
    print(line("end to end from CSV", s["ours csv"], s["pandas csv"], s["polars csv"]))
    print(line("end to end from Parquet", s["ours pq"], s["pandas pq"], s["polars pq"]))
    print(
        f"  peak memory (tracemalloc) in-process / from CSV: {peak_mem / GIB:.3f} GiB / "
        f"{peak_csv / GIB:.3f} GiB"
    )
    ours = timed["ours"][1]
    print(
        "  largest difference from the peers' unit dimension means: pandas "
        f"{peers.agree(ours, timed['pandas'][1], inst):.2e}, polars "
        f"{peers.agree_polars(ours, timed['polars'][1], inst):.2e} points"
    )
    n = f"{len(cols['respondent_id']) // 1000:,}k respondents"
    goals: list[Goal] = [
        (
            f"survey in-process, {n}, vs pandas",
            s["ours"],
            s["pandas"],
            "s",
            "ratio >= 2",
            s["pandas"] >= 2 * s["ours"],
        ),
        (
            f"survey CSV end to end, {n}, vs pandas",
            s["ours csv"],
            s["pandas csv"],
            "s",
            "ratio >= 2",
            s["pandas csv"] >= 2 * s["ours csv"],
        ),
        (
            f"survey CSV end to end, {n}, vs polars",
            s["ours csv"],
            s["polars csv"],
            "s",
            "ratio >= 1",
            s["polars csv"] >= s["ours csv"],
        ),
    ]
    goals.append(reading(args, inst, csv, csv_paths["population"]))
    if not args.quick:
        goals.append(through_stream(args, inst, cols, pop, s["ours"], folder))
        informational(args, inst, csv)
    if not args.no_curve:
        national = curve.Point(
            len(cols["respondent_id"]),
            {k: s[k] for k in ("ours", "pandas", "polars")},
            {k: s[f"{k} csv"] for k in ("ours", "pandas", "polars")},
            peak_mem,
            peak_csv,
            curve.child_rss(csv, csv_paths["population"]),
        )
        points = curve.curve(inst, (cols, pop, csv_paths), national, folder, quick=args.quick)
        goals.extend(curve.report(points))
    return goals


def reading(args: argparse.Namespace, inst: Instrument, csv: Path, population: Path) -> Goal:
    """The CSV file read alone (no scoring), ours and the peers' in turn: what the end-to-end
    figures add to the in-process ones. Ours: read_responses (pyarrow's reader, then the
    columns validated and labelled) and the population table; the peers: their read_csv of the
    same columns into the frame their scoring takes."""
    timed = interleaved(
        args.repeat,
        {
            "ours": lambda: peers.ours_read(inst, csv, population),
            "pandas": lambda: peers.pandas_read(inst, csv),
            "polars": lambda: peers.polars_read(inst, csv),
        },
    )
    s = {name: seconds for name, (seconds, _) in timed.items()}
    print(line("CSV read alone (no scoring)", s["ours"], s["pandas"], s["polars"]))
    return (
        f"survey CSV read alone (no scoring), {len(timed['ours'][1][0]) // 1000:,}k respondents, "
        "vs polars",
        s["ours"],
        s["polars"],
        "s",
        "",
        True,
    )


def through_stream(
    args: argparse.Namespace,
    inst: Instrument,
    columns: dict[str, Any],
    population: dict[str, Any],
    in_process: float,
    folder: Path,
) -> Goal:
    """ScoreSurvey through a real spi-server on loopback, against the in-process figure, with
    where the time goes: the client's validation and encoding, the server's part (messages
    prebuilt) with answers packed (what the client sends) and as codes (older clients)."""
    from spi.v1 import survey_pb2 as pb
    from spi_client import SpiClient
    from spi_client.survey_client import population_entries, responses_of
    from spi_engine.api.survey import SurveySources, bundled_instruments, score_survey
    from spi_engine.api.survey_messages import score_requests

    from .serving import spi_server, start, stop

    n = len(columns["respondent_id"])
    wanted = {k: columns[k] for k in ("respondent_id", "unit_id", "sub_unit_id", "group")}
    wanted |= {item: columns[item] for item in inst.item_ids}
    table = population_from_columns(
        population["unit_id"],
        population["group"],
        population["population"],
        sampled=population["sampled"],
        sub_unit_ids=population["sub_unit_id"],
    )
    head = pb.ScoreSurveyStart(
        instrument_id=inst.id, ruleset_id="spi-2024", population=population_entries(table)
    )
    validated, responses = best_of(args.repeat, lambda: responses_of(wanted, inst))
    encoded, requests = best_of(
        args.repeat, lambda: list(score_requests(head, responses, STREAM_CHUNK))
    )
    unpacked = list(score_requests(head, responses, STREAM_CHUNK, packed=False))
    sources = SurveySources(bundled(), bundled_instruments())
    local = score_survey(requests, sources)
    stages = server_stages(args, requests, sources)
    size = sum(r.ByteSize() for r in requests) / 1e6
    process, address = start(spi_server("--no-access-log"), folder, "survey-server")
    try:
        with SpiClient(address, timeout=600.0) as client:
            timed = interleaved(
                args.repeat,
                {
                    "in-process": lambda: peers.ours_in_process(inst, columns, population),
                    "stream": lambda: client.score_survey(
                        wanted,
                        instrument=inst.id,
                        ruleset="spi-2024",
                        population=table,
                        chunk_rows=STREAM_CHUNK,
                    ),
                },
            )
            (whole, result), (peer, _) = timed["stream"], timed["in-process"]
            in_process = min(in_process, peer)
            server, answer = best_of(args.repeat, lambda: client.stream_in("ScoreSurvey", requests))
            old, old_answer = best_of(
                args.repeat, lambda: client.stream_in("ScoreSurvey", unpacked)
            )
    finally:
        stop(process)
    same = all(
        _bare(message) == local.SerializeToString(deterministic=True)
        for message in (answer, old_answer, result.message)
    )
    print(
        f"  ScoreSurvey stream ({len(requests) - 2} chunks, {size:.0f} MB) to spi-server on loopback:"
    )
    for name, seconds in (
        ("SpiClient.score_survey(columns)", whole),
        ("  client: local validation", validated),
        ("  client: encoding (packed)", encoded),
        ("  server part (messages prebuilt)", server),
        ("  server part, answers as codes", old),
        *stages.items(),
    ):
        print(f"  {name:<40} {seconds:8.3f} s  {seconds / in_process:4.1f}x in-process")
    ok = whole <= 2 * in_process
    print(
        f"  {'':<40} in-process {in_process:.3f} s (best, also timed in turn with the stream); "
        f"stream / in-process {whole / in_process:.1f}x "
        f"(target <= 2x: {'ok' if ok else 'MISSED'}); {len(result.units)} units; "
        f"answers (packed, codes, client) identical to in-process: {same}"
    )
    alone = stages[READING] + stages[ANSWERING]
    _goals.figure(
        f"ScoreSurvey server work alone (no gRPC, no client), {n // 1000:,}k respondents",
        f"{alone:.3f} s",
        f"in-process {in_process:.3f} s",
        f"{alone / in_process:.1f}x in-process",
    )
    return (
        f"ScoreSurvey stream, {n // 1000:,}k respondents, vs in-process",
        whole,
        in_process,
        "s",
        "ratio >= 0.5 (stream <= 2x in-process)",
        whole <= 2 * in_process,
    )


READING = "  server alone, no gRPC: reading chunks"
ANSWERING = "  server alone, no gRPC: answering"


def server_stages(args: argparse.Namespace, requests: list[Any], sources: Any) -> dict[str, float]:
    """The server's work on the upload without gRPC (best of ``--repeat``): reading every
    message (decode, validate, fold), answering (score, build the response), and the client's
    typed result of that response."""
    from spi_client.survey_results import score_survey_from_pb
    from spi_engine.api.survey import SurveyUpload

    def read() -> SurveyUpload:
        upload = SurveyUpload(sources)
        for message in requests:
            upload.add(message)
        return upload

    reading, upload = best_of(args.repeat, read)
    answering, answer = best_of(args.repeat, upload.finish)
    typed, _ = best_of(args.repeat, lambda: score_survey_from_pb(answer))
    return {READING: reading, ANSWERING: answering, "  client: the typed result": typed}


def _bare(message: Any) -> bytes:
    """A ScoreSurveyResponse's deterministic bytes without its decision id."""
    copy = type(message).FromString(message.SerializeToString())
    copy.decision_id = ""
    result: bytes = copy.SerializeToString(deterministic=True)
    return result


def informational(args: argparse.Namespace, inst: Instrument, path: Path) -> None:
    responses = read_responses(path, inst)
    rules = bundled().get("spi-2024")
    screened, result = best_of(1, lambda: screen(responses))
    print(
        f"  screen all respondents              {screened:8.3f} s  ({int(result.excluded.sum()):,} flagged)"
    )
    bounds = np.arange(0, len(responses), CHUNK)
    chunks = [responses.take(np.arange(b, min(b + CHUNK, len(responses)))) for b in bounds]
    folded, scores = best_of(args.repeat, lambda: score_stats(fold(chunks), rules))
    whole = score_survey(responses, rules)
    same = np.array_equal(scores.units.index_raw, whole.units.index_raw, equal_nan=True)
    print(
        f"  fold {len(chunks)} chunks of {CHUNK:,} + score        {folded:8.3f} s  (identical to one batch: {same})"
    )


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
