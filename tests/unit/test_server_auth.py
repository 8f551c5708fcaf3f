"""Bearer tokens: the file format, and who may call what."""

from __future__ import annotations

import pytest

from spi_server.auth import ALL_METHODS, certificate_name, parse_tokens
from spi_server.config import ConfigError
from spi_server.errors import PermissionDeniedError, UnauthenticatedError

TOKENS = """
# NAME   TOKEN          METHODS
planner  planner-secret Score,Summarize   # a comment
admin    admin-secret   *
reader   reader-secret
"""


def test_names_and_methods() -> None:
    tokens = parse_tokens(TOKENS)
    by_name = {t.name: t.methods for t in tokens.by_digest.values()}
    assert by_name == {
        "planner": frozenset({"Score", "Summarize"}),
        "admin": ALL_METHODS,
        "reader": ALL_METHODS,
    }
    assert all("secret" not in digest for digest in tokens.by_digest)


@pytest.mark.parametrize(
    ("metadata", "method", "outcome"),
    [
        ([("authorization", "Bearer planner-secret")], "Score", "planner"),
        ([("authorization", "bearer admin-secret")], "GetRuleset", "admin"),
        ([("authorization", "Bearer planner-secret")], "GetRuleset", PermissionDeniedError),
        ([("authorization", "Bearer wrong")], "Score", UnauthenticatedError),
        ([("authorization", "Basic YWJj")], "Score", UnauthenticatedError),
        ([("authorization", "Bearer ")], "Score", UnauthenticatedError),
        ([], "Score", UnauthenticatedError),
    ],
)
def test_caller(metadata: list[tuple[str, str]], method: str, outcome: object) -> None:
    tokens = parse_tokens(TOKENS)
    if isinstance(outcome, str):
        assert tokens.caller(metadata, method) == outcome
    else:
        with pytest.raises(outcome):  # type: ignore[call-overload]
            tokens.caller(metadata, method)


def test_permission_denied_says_what_is_allowed() -> None:
    with pytest.raises(PermissionDeniedError) as raised:
        parse_tokens(TOKENS).caller([("authorization", "Bearer planner-secret")], "GetRuleset")
    assert str(raised.value) == (
        "caller 'planner' may not call GetRuleset; its token allows: Score, Summarize"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected at least one 'NAME TOKEN [METHODS]' line; got none"),
        ("lonely\n", "tokens, line 1: expected NAME TOKEN [METHODS]; got 1 words"),
        ("a t1\nb t2 Score,Delete\n", "tokens, line 2: unknown method(s) Delete"),
        ("a t1\na t2\n", "tokens, line 2: expected each name and token once"),
        ("a t1\nb t1\n", "tokens, line 2: expected each name and token once"),
    ],
)
def test_bad_files_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_tokens(text)
    assert message in str(raised.value)


def test_certificate_name() -> None:
    assert certificate_name({"x509_common_name": [b"planning-office"]}) == "cn:planning-office"
    assert certificate_name({}) == "anonymous"
