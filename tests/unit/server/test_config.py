"""spi-server flags and environment variables: precedence, checks, --help."""

from __future__ import annotations

import pytest

from spi_server.config import Config, ConfigError, build_parser, parse, split_address


def test_defaults_need_no_setup() -> None:
    assert parse([], env={}) == Config()
    assert Config().address == "localhost:50051"


def test_environment_sets_and_flags_win() -> None:
    env = {"SPI_ADDRESS": "127.0.0.1:7000", "SPI_MAX_UNITS": "50", "SPI_REFLECTION": "off"}
    config = parse([], env=env)
    assert (config.address, config.max_units, config.reflection) == ("127.0.0.1:7000", 50, False)
    config = parse(["--address", "0.0.0.0:1", "--max-units", "7", "--reflection"], env=env)
    assert (config.address, config.max_units, config.reflection) == ("0.0.0.0:1", 7, True)


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--tls-cert", "c.pem"], {}, "--tls-cert and --tls-key go together"),
        (["--client-ca", "ca.pem"], {}, "--client-ca (mutual TLS) needs --tls-cert"),
        (["--address", "nowhere"], {}, "--address: expected HOST:PORT"),
        (["--metrics-address", "h:99999"], {}, "--metrics-address: expected HOST:PORT"),
        (["--workers", "0"], {}, "--workers: expected 1 or more; got 0"),
        (["--log-level", "chatty"], {}, "--log-level: expected DEBUG, INFO"),
        ([], {"SPI_WORKERS": "many"}, "environment: invalid literal for int()"),
        ([], {"SPI_ACCESS_LOG": "maybe"}, "SPI_ACCESS_LOG: expected on or off; got 'maybe'"),
    ],
)
def test_bad_settings_are_named(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(argv, env=env)
    assert message in str(raised.value)


def test_help_lists_every_setting_with_its_variable() -> None:
    text = build_parser({}).format_help()
    for name in Config.__dataclass_fields__:
        flag = "--" + name.replace("_", "-")
        assert flag in text, flag
        assert f"SPI_{name.upper()}" in text, name


@pytest.mark.parametrize(
    ("address", "expected"),
    [("localhost:50051", ("localhost", 50051)), ("[::1]:80", ("::1", 80)), (":9", ("0.0.0.0", 9))],
)
def test_split_address(address: str, expected: tuple[str, int]) -> None:
    assert split_address(address, "--address") == expected
