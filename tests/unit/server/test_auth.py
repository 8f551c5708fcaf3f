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
        # a token that may Score may score columns (score_many and `spi score --server` do)
        ([("authorization", "Bearer planner-secret")], "ScoreColumns", "planner"),
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


@pytest.mark.parametrize(
    "header", ["sekret-token-123", "sekret-token-123 more", "Basic sekret-token-123", "Bearer"]
)
def test_a_header_without_the_bearer_scheme_is_never_shown(header: str) -> None:
    with pytest.raises(UnauthenticatedError) as raised:
        parse_tokens(TOKENS).caller([("authorization", header)], "Score")
    message = str(raised.value)
    assert "sekret" not in message
    assert "Basic" not in message
    assert message == (
        "expected an 'authorization: Bearer TOKEN' header; got a header without the "
        "'Bearer ' scheme (not shown)"
    )


def test_a_token_in_the_methods_column_is_not_shown() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_tokens("planner planner-secret 3f9c0d6e0b1a4c7e\n")
    assert "3f9c0d6e0b1a4c7e" not in str(raised.value)
    assert "a word that is not a method name, not shown" in str(raised.value)
