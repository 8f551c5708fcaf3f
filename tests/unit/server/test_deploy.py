"""The Dockerfile and the Kubernetes manifests under deploy/ agree with the server (issue 10, 5).

No container engine runs here, so the files are parsed (the Dockerfile by its instructions, the
manifests as YAML) and checked against what the server really accepts: every flag and
environment variable goes through ``spi_server.config.parse``, every port and probe is compared
with the address the parsed configuration listens on. A renamed flag or a moved port fails here.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from spi.v1 import engine_pb2
from spi_server.auth import parse_tokens
from spi_server.config import Config, ConfigError, parse, split_address

ROOT = Path(__file__).parents[3]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SERVICE = engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].full_name


# Dockerfile -------------------------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = (ROOT / "Dockerfile").read_text("utf-8").splitlines()
    joined: list[str] = []
    current = ""
    for line in lines:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            joined.append(current.strip())
            current = ""
    result = []
    for text in joined:
        word, _, rest = text.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def stages() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    name = ""
    for word, rest in instructions():
        if word == "FROM":
            name = rest.split()[-1] if " AS " in rest.upper() else rest
            found[name] = []
        elif name:
            found[name].append((word, rest))
    return found


def final_stage() -> list[tuple[str, str]]:
    return list(stages().values())[-1]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in final_stage():
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def only(stage: list[tuple[str, str]], word: str) -> str:
    found = [rest for w, rest in stage if w == word]
    assert len(found) == 1, f"expected one {word} in the final stage; got {found}"
    return found[0]


def test_the_image_is_multi_stage_and_unprivileged() -> None:
    names = list(stages())
    assert names == ["build", "runtime"]
    runtime = final_stage()
    copies = [rest for word, rest in runtime if word == "COPY"]
    assert any(c.startswith("--from=build ") for c in copies)
    user = only(runtime, "USER").split(":")[0]
    assert user.isdigit()
    assert int(user) != 0


def test_only_runtime_dependencies_are_installed() -> None:
    runs = " ".join(rest for word, rest in stages()["build"] if word == "RUN")
    installs = re.findall(r"pip install ([^&]+)", runs)
    # The server's role only (grpc, health, reflection, metrics): no dev tools, plots or frames.
    assert "'.[server]'" in [i.strip() for i in installs], installs
    assert not any(word in i for i in installs for word in ("dev", "plot", "frames", "-e ")), (
        installs
    )
    assert "rules list" in runs  # the build fails when the bundled rulesets are missing


def test_copied_sources_exist_and_are_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for _, stage in stages().items():
        for word, rest in stage:
            if word != "COPY" or rest.startswith("--from"):
                continue
            *sources, _destination = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert not any(source == i or source.startswith(i + "/") for i in ignored), source


def test_the_image_environment_is_read_by_the_server() -> None:
    env = image_env()
    server_env = {k: v for k, v in env.items() if k.startswith("SPI_")}
    config = parse([], server_env)
    for key, value in server_env.items():
        assert parse([], {key: value}) != parse([], {}), f"{key} changes nothing in the server"
    exposed = {int(port) for port in only(final_stage(), "EXPOSE").split()}
    assert exposed == {
        split_address(config.address, "")[1],
        listening(config, "http"),
        listening(config, "metrics"),
    }


def test_start_and_healthcheck_use_exec_form() -> None:
    runtime = final_stage()
    entrypoint = json.loads(only(runtime, "ENTRYPOINT"))
    assert entrypoint == ["spi-server"]
    assert json.loads(only(runtime, "CMD")) == []
    assert only(runtime, "STOPSIGNAL") == "SIGTERM"
    healthcheck = only(runtime, "HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    script = command[-1]
    copied = {rest.split()[-1]: rest.split()[0] for w, rest in runtime if w == "COPY"}
    assert script in copied
    assert (ROOT / copied[script]).is_file()


# Kubernetes -------------------------------------------------------------------------------------


def manifests() -> dict[str, dict[str, Any]]:
    """Every manifest by 'Kind/name'."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text("utf-8")):
            if document and document.get("kind") != "Kustomization":
                found[f"{document['kind']}/{document['metadata']['name']}"] = document
    return found


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: dict[str, Any] = containers[0]
    return result


def server_config(c: dict[str, Any]) -> Config:
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    return parse(c.get("args", []), env)


def listening(config: Config, which: str) -> int:
    addresses = {
        "grpc": config.address,
        "http": config.http_address,
        "metrics": config.metrics_address,
    }
    host, port = split_address(addresses[which], which)
    assert host in ("0.0.0.0", "::"), f"the {which} door listens on {host} only: unreachable"
    return port


@pytest.fixture(scope="module")
def objects() -> dict[str, dict[str, Any]]:
    return manifests()


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text("utf-8"))
    files = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_expected_objects(objects: dict[str, dict[str, Any]]) -> None:
    assert set(objects) == {
        "ConfigMap/spi-rulesets",
        "Secret/spi-tokens",
        "Deployment/spi-engine",
        "Service/spi-engine-headless",
        "Service/spi-engine",
        "PodDisruptionBudget/spi-engine",
        "HorizontalPodAutoscaler/spi-engine",
    }


def test_container_args_are_real_flags_and_ports_match(objects: dict[str, dict[str, Any]]) -> None:
    c = container(objects["Deployment/spi-engine"])
    config = server_config(c)  # raises (or exits) on a flag the server does not have
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {name: listening(config, name) for name in ("grpc", "http", "metrics")}
    assert split_address(config.address, "")[0] == "0.0.0.0"  # reachable from the pod network


def test_an_unknown_flag_would_be_caught() -> None:
    with pytest.raises(SystemExit):
        parse(["--no-such-flag=1"], {})
    with pytest.raises(ConfigError):
        parse(["--grace=-1"], {})


def test_probes_are_native_grpc_health_on_the_serving_port(
    objects: dict[str, dict[str, Any]],
) -> None:
    c = container(objects["Deployment/spi-engine"])
    port = listening(server_config(c), "grpc")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["grpc"]["port"] == port, probe
    assert c["readinessProbe"]["grpc"]["service"] == SERVICE
    assert c["startupProbe"]["grpc"]["service"] == SERVICE
    assert c["livenessProbe"]["grpc"].get("service", "") in ("", SERVICE)


def test_termination_grace_covers_prestop_and_the_drain(
    objects: dict[str, dict[str, Any]],
) -> None:
    deployment = objects["Deployment/spi-engine"]
    c = container(deployment)
    grace = server_config(c).grace
    command = c["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = float(command[1])
    readiness = c["readinessProbe"]
    # the pod is out of the endpoints before SIGTERM: preStop outlasts one readiness period
    assert pre_stop >= readiness["periodSeconds"] * readiness["failureThreshold"]
    total = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert total >= pre_stop + grace + 1, (total, pre_stop, grace)


def test_runs_as_the_image_user_with_resources(objects: dict[str, dict[str, Any]]) -> None:
    pod = objects["Deployment/spi-engine"]["spec"]["template"]["spec"]
    c = container(objects["Deployment/spi-engine"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    user = only(final_stage(), "USER").split(":")[0]
    assert pod["securityContext"]["runAsUser"] == int(user)
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"cpu", "memory"} <= set(c["resources"]["requests"])
    assert "memory" in c["resources"]["limits"]
    tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert tmp, "--processes and Python need a writable /tmp on a read-only root"


def mounted_files(objects: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, str]]:
    """(mount path, volume kind, object name) of each configMap or secret volume."""
    pod = objects["Deployment/spi-engine"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container(objects["Deployment/spi-engine"])["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "configMap" in volume:
            yield mount["mountPath"], "ConfigMap", volume["configMap"]["name"]
        elif "secret" in volume:
            yield mount["mountPath"], "Secret", volume["secret"]["secretName"]


def test_rulesets_and_tokens_come_from_their_objects(objects: dict[str, dict[str, Any]]) -> None:
    config = server_config(container(objects["Deployment/spi-engine"]))
    mounts = {path: (kind, name) for path, kind, name in mounted_files(objects)}
    assert mounts[config.rulesets] == ("ConfigMap", "spi-rulesets")
    folder, _, key = config.tokens.rpartition("/")
    assert mounts[folder] == ("Secret", "spi-tokens")
    secret = objects["Secret/spi-tokens"]
    assert key in secret["stringData"]
    # the placeholder holds no token: the server refuses to start until real ones are put in
    with pytest.raises(ConfigError, match="expected at least one"):
        parse_tokens(secret["stringData"][key])


def test_services_select_the_pods_and_name_real_ports(objects: dict[str, dict[str, Any]]) -> None:
    deployment = objects["Deployment/spi-engine"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    port_names = {p["name"]: p["containerPort"] for p in container(deployment)["ports"]}
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    for name in ("Service/spi-engine-headless", "Service/spi-engine"):
        spec = objects[name]["spec"]
        assert spec["selector"].items() <= labels.items(), name
        for port in spec["ports"]:
            assert port["targetPort"] in port_names, (name, port)
            assert port["port"] == port_names[port["targetPort"]], (name, port)
    headless = objects["Service/spi-engine-headless"]["spec"]
    assert headless["clusterIP"] == "None"
    assert [p["name"] for p in headless["ports"]] == ["grpc"]


def test_disruption_budget_and_autoscaler_fit_together(
    objects: dict[str, dict[str, Any]],
) -> None:
    deployment = objects["Deployment/spi-engine"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    pdb = objects["PodDisruptionBudget/spi-engine"]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= labels.items()
    hpa = objects["HorizontalPodAutoscaler/spi-engine"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "spi-engine",
    }
    assert hpa["minReplicas"] > pdb["maxUnavailable"]
    assert hpa["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["maxReplicas"]
    # a rollout never takes a serving pod away before its replacement is ready
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
