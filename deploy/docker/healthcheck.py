"""The container's HEALTHCHECK: exit 0 when spi-server answers SERVING on grpc.health.v1.

It asks the address the server listens on (``SPI_ADDRESS``, as the server reads it; a wildcard
host 0.0.0.0 or :: is asked on localhost) about the service ``SPI_HEALTH_SERVICE`` (default
``spi.v1.SpiEngine``: serving once the rulesets are loaded, NOT_SERVING from the first moment of
a drain). Health checks are never authenticated, so no token is needed. Plaintext only: a server
started with --tls-cert needs a probe that speaks TLS (see docs/deployment.md).

Exit codes: 0 SERVING, 1 anything else (the reason on standard error).
"""

from __future__ import annotations

import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVICE = "spi.v1.SpiEngine"
WILDCARDS = {"", "0.0.0.0", "::"}


def target(address: str) -> str:
    """Where to ask: ``localhost:50051`` for ``0.0.0.0:50051``."""
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if host in WILDCARDS:
        host = "localhost"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def main() -> int:
    where = target(os.environ.get("SPI_ADDRESS", "localhost:50051"))
    service = os.environ.get("SPI_HEALTH_SERVICE", SERVICE)
    timeout = float(os.environ.get("SPI_HEALTH_TIMEOUT", "3"))
    request = health_pb2.HealthCheckRequest(service=service)
    try:
        with grpc.insecure_channel(where) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(request, timeout=timeout)
    except grpc.RpcError as error:
        print(f"unhealthy: {where} {service!r}: {error.code().name}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"unhealthy: {where} {service!r}: {status}", file=sys.stderr)
        return 1
    print(f"healthy: {where} {service!r}: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
