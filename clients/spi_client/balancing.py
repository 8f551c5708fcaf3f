"""Client-side load balancing over several spi-server replicas (gRPC's own policies).

``round_robin`` spreads calls over every address a target resolves to: a Kubernetes headless
Service (``dns:///spi-engine-headless:50051``) or a list (``ipv4:127.0.0.1:50051,127.0.0.1:50052``).
A replica that drains answers UNAVAILABLE, which :class:`~spi_client.SpiClient` retries, and the
retry goes to the next replica. ``pick_first`` (gRPC's default) keeps one connection.
"""

from __future__ import annotations

import json
from typing import Any

POLICIES = ("pick_first", "round_robin")
SERVICE = "spi.v1.SpiEngine"


def channel_options(policy: str | None) -> list[tuple[str, Any]]:
    """The channel options selecting ``policy`` (none for None: gRPC's default)."""
    if policy is None:
        return []
    if policy not in POLICIES:
        raise ValueError(
            f"load_balancing: expected one of {', '.join(POLICIES)} (or None); got {policy!r}"
        )
    config = {
        "loadBalancingConfig": [{policy: {}}],
        "healthCheckConfig": {"serviceName": SERVICE},
    }
    return [("grpc.service_config", json.dumps(config))]
