"""spi_server.pipeline.new_decision_id: version-4 UUIDs, unique, and a forked child's its own."""

from __future__ import annotations

import os
import uuid

from spi_server.pipeline import new_decision_id


def test_decision_ids_are_version_4_uuids_and_unique() -> None:
    ids = [new_decision_id() for _ in range(20_000)]  # several 4 KiB blocks of random bytes
    assert len(set(ids)) == len(ids)
    for text in ids[::997]:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)


def test_a_forked_process_does_not_repeat_its_parents_ids() -> None:
    new_decision_id()  # random bytes drawn ahead, which the child must not reuse
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(writing, new_decision_id().encode())
        os._exit(0)
    os.close(writing)
    try:
        childs = os.read(reading, 100).decode()
    finally:
        os.close(reading)
        os.waitpid(child, 0)
    assert uuid.UUID(childs).version == 4
    assert childs != new_decision_id()
