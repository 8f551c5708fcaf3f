"""The ``spi survey`` commands at national scale, as a user runs them: each a fresh process.

``spi survey generate`` writes the national case (641 institutions, 601,453 respondents, the
generator's defaults) into a temporary folder; then ``score`` (with sub-units), ``progress``
and ``screen`` read it, in-process and with ``--server`` (a local spi-server on loopback, its
own process), taken in turn. Each figure is the best wall time of ``--repeat`` runs with that
process's peak resident memory (its own max RSS, from ``wait4``; with ``--server``, the client's:
the server's memory is not counted); the baseline is ``spi
--version`` (start-up and imports) timed in the same rounds. The outputs in-process and with
``--server`` are compared byte for byte. Run ``python -m bench cli`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from . import _goals
from .serving import spi_server, start, stop

GIB = 1024**3


def run(command: Sequence[str], output: Path) -> tuple[float, int]:
    """(wall seconds, peak resident bytes) of one process writing its stdout to ``output``
    (its stderr to ``output`` + ``.err``, shown when it fails)."""
    errors = output.with_suffix(".err")
    with output.open("wb") as out, errors.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    # (Popen did not reap it, so tell it how it ended: it warns about a process it thinks runs)
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        said = errors.read_text("utf-8", "replace")[-2000:]
        raise RuntimeError(f"{' '.join(command)} exited {code}: {said}")
    return seconds, usage.ru_maxrss * 1024


def best(runs: list[tuple[float, int]]) -> tuple[float, int]:
    """The fastest run's time and the largest peak memory of all runs."""
    return min(seconds for seconds, _ in runs), max(peak for _, peak in runs)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cli", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--respondents", type=int, default=None, help="(default: the generator's)")
    parser.add_argument("--institutions", type=int, default=None, help="(default: the generator's)")
    args = parser.parse_args(argv)
    spi = str(Path(sys.executable).with_name("spi"))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        data = folder / "survey"
        size = [
            *([] if args.respondents is None else ["--respondents", str(args.respondents)]),
            *([] if args.institutions is None else ["--institutions", str(args.institutions)]),
        ]
        generated = run([spi, "survey", "generate", "--out", str(data), *size], folder / "gen.txt")
        respondents, population = data / "respondents.csv", data / "population.csv"
        commands = {
            "score --sub-units": [
                "survey", "score", "--responses", str(respondents),
                "--population", str(population), "--sub-units",
            ],
            "progress": ["survey", "progress", "--sample", str(population),
                         "--responses", str(respondents)],
            "screen --corrections": ["survey", "screen", "--responses", str(respondents),
                                     "--corrections"],
        }  # fmt: skip
        process, address = start(spi_server(), folder, "cli-server")
        try:
            timed, start_up, lines = measure(spi, commands, address, folder, args.repeat)
        finally:
            stop(process)
        said = (folder / "gen.txt").read_text()
        found = re.search(r"([\d,]+) respondents in (\d+) institutions", said)
        if found is None:
            raise RuntimeError(f"spi survey generate did not say what it wrote: {said!r}")
        case = f"{found[1]} respondents of {found[2]} institutions"
        report(case, generated, timed, start_up, lines)
    return 0


Timed = dict[str, dict[str, tuple[float, int]]]
"""command -> "in-process" | "server" -> (best seconds, largest peak bytes)"""


def measure(
    spi: str, commands: dict[str, list[str]], address: str, folder: Path, repeat: int
) -> tuple[Timed, float, dict[str, int]]:
    """Every command in-process and with --server, and ``spi --version``, in turn: the timings,
    the start-up's best seconds, and the lines each command printed (the same both ways)."""
    runs: dict[str, dict[str, list[tuple[float, int]]]] = {
        name: {"in-process": [], "server": []} for name in commands
    }
    start_up: list[tuple[float, int]] = []
    for _ in range(repeat):
        start_up.append(run([spi, "--version"], folder / "version.txt"))
        for name, command in commands.items():
            for mode, extra in (("in-process", []), ("server", ["--server", address])):
                output = folder / f"{name.split()[0]}-{mode}.txt"
                runs[name][mode].append(run([spi, *command, *extra], output))
    lines = {}
    for name in commands:
        stem = name.split()[0]
        ours = (folder / f"{stem}-in-process.txt").read_bytes()
        theirs = (folder / f"{stem}-server.txt").read_bytes()
        if ours != theirs:
            raise RuntimeError(f"spi survey {name}: --server printed other bytes than in-process")
        lines[name] = ours.count(b"\n")
    timed = {name: {mode: best(r) for mode, r in modes.items()} for name, modes in runs.items()}
    return timed, best(start_up)[0], lines


def report(
    case: str,
    generated: tuple[float, int],
    timed: Timed,
    start_up: float,
    lines: dict[str, int],
) -> None:
    print(f"spi survey commands on {case} (CSV), each a fresh process:")
    print(f"  {'command':<28} {'in-process':>10} {'peak':>10} {'--server':>10} {'peak':>10}")
    print(f"  {'generate':<28} {generated[0]:9.2f}s {generated[1] / GIB:7.2f}GiB")
    for name, modes in timed.items():
        (alone, peak), (served, served_peak) = modes["in-process"], modes["server"]
        print(
            f"  {name:<28} {alone:9.2f}s {peak / GIB:7.2f}GiB {served:9.2f}s "
            f"{served_peak / GIB:7.2f}GiB  ({lines[name]:,} lines, identical)"
        )
        _goals.figure(
            f"`spi survey {name}`, {case} from CSV, in-process",
            f"{alone:.2f} s, peak {peak / GIB:.2f} GiB",
            f"`--server`: {served:.2f} s, peak {served_peak / GIB:.2f} GiB; start-up "
            f"{start_up:.2f} s",
            f"--server {served / alone:.2f}x the time, same output",
        )
    print(f"  {'spi --version (start-up)':<28} {start_up:9.2f}s")
    _goals.figure(
        f"`spi survey generate`, {case} (CSV)",
        f"{generated[0]:.2f} s, peak {generated[1] / GIB:.2f} GiB",
        f"`spi --version` (start-up) {start_up:.2f} s",
        f"{generated[0] - start_up:.2f} s of work",
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
