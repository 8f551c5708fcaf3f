"""The official protos shipped in protos/third_party/ for callers in other languages.

Each file must describe exactly what the server speaks: its descriptor, compiled here, equals the
one in the Python package the server uses (googleapis-common-protos, grpcio-health-checking,
grpcio-reflection), apart from the file's path and the json_name that protoc fills in. Each keeps
its Apache-2.0 header, and the licence text sits beside them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

ROOT = Path(__file__).resolve().parents[3]
THIRD_PARTY = ROOT / "protos" / "third_party"

SHIPPED: list[tuple[str, ModuleType]] = [
    ("google/rpc/status.proto", status_pb2),
    ("google/rpc/error_details.proto", error_details_pb2),
    ("grpc/health/v1/health.proto", health_pb2),
    ("grpc/reflection/v1alpha/reflection.proto", reflection_pb2),
]
"""Shipped file -> the generated Python module the server uses for the same protocol."""


def compiled(path: str, out: Path) -> descriptor_pb2.FileDescriptorProto:
    """The descriptor of a shipped file, compiled by protoc (well-known types from grpc_tools)."""
    target = out / "set.binpb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{THIRD_PARTY}",
            f"--descriptor_set_out={target}",
            path,
        ],
        check=True,
        capture_output=True,
    )
    files = descriptor_pb2.FileDescriptorSet.FromString(target.read_bytes()).file
    return next(f for f in files if f.name == path)


def without_json_names(file: descriptor_pb2.FileDescriptorProto) -> None:
    def clear(message: descriptor_pb2.DescriptorProto) -> None:
        for field in message.field:
            field.ClearField("json_name")
        for nested in message.nested_type:
            clear(nested)

    for message in file.message_type:
        clear(message)


@pytest.mark.parametrize(("path", "module"), SHIPPED, ids=[p for p, _ in SHIPPED])
def test_shipped_proto_matches_what_the_server_uses(
    path: str, module: ModuleType, tmp_path: Path
) -> None:
    shipped = compiled(path, tmp_path)
    used = descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb)
    without_json_names(shipped)
    used.name = shipped.name
    assert shipped == used


def test_every_shipped_proto_keeps_its_licence_header() -> None:
    protos = sorted(THIRD_PARTY.rglob("*.proto"))
    assert {p.relative_to(THIRD_PARTY).as_posix() for p in protos} >= {p for p, _ in SHIPPED}
    for proto in protos:
        head = proto.read_text("utf-8")[:800]
        assert 'Licensed under the Apache License, Version 2.0 (the "License")' in head, proto
    assert "Apache License" in (THIRD_PARTY / "LICENSE").read_text("utf-8")[:200]


def test_buf_module_leaves_third_party_out(tmp_path: Path) -> None:
    """buf lints and checks for breaks only spi.v1: the shipped files are not our API."""
    buf = Path(sys.executable).parent / "buf"
    if not buf.exists():
        pytest.skip(f"the buf CLI (buf-bin, a dev dependency) is not installed at {buf}")
    image = tmp_path / "image.binpb"
    subprocess.run([buf, "build", ROOT / "protos", "-o", image], check=True, capture_output=True)
    files = descriptor_pb2.FileDescriptorSet.FromString(image.read_bytes()).file
    assert files
    assert all(f.name.startswith("spi/v1/") for f in files), [f.name for f in files]
