"""Copy a benchmark run's summary into the docs: ``python -m bench._publish SUMMARY FILE...``.

Each FILE holds one block between the two marker lines below; the block is replaced by the
summary ``python -m bench --summary SUMMARY`` wrote, so the README's and docs/benchmarks.md's
tables are that run's output, never edited by hand. ``make bench`` runs both steps.
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- bench-summary:start (written by `make bench`; do not edit by hand) -->"
END = "<!-- bench-summary:end -->"


class PublishError(Exception):
    """A summary or a target file that cannot be used; the message names it."""


def replace_block(text: str, summary: str, where: str) -> str:
    """``text`` with its one summary block replaced by ``summary``."""
    starts, ends = text.count(START), text.count(END)
    if (starts, ends) != (1, 1) or text.index(START) > text.index(END):
        raise PublishError(
            f"{where}: expected one line {START!r} followed by one line {END!r}; "
            f"got {starts} start and {ends} end marker(s)"
        )
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{summary.strip()}\n{END}{after}"


def publish(summary_file: Path, targets: list[Path]) -> None:
    """Replace the summary block of every target (all checked before any is written)."""
    if not summary_file.is_file():
        raise PublishError(
            f"{summary_file}: no such summary; run `python -m bench --summary` first"
        )
    summary = summary_file.read_text("utf-8")
    if "| what | figure |" not in summary:
        raise PublishError(f"{summary_file}: expected a summary table from `python -m bench`")
    texts = {}
    for target in targets:
        if not target.is_file():
            raise PublishError(f"{target}: no such file")
        texts[target] = replace_block(target.read_text("utf-8"), summary, str(target))
    for target, text in texts.items():
        target.write_text(text, "utf-8")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m bench._publish SUMMARY FILE...", file=sys.stderr)
        return 2
    try:
        publish(Path(argv[0]), [Path(name) for name in argv[1:]])
    except PublishError as error:
        print(f"bench._publish: {error}", file=sys.stderr)
        return 2
    print(f"summary {argv[0]} copied into {', '.join(argv[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
