"""Who is calling: bearer tokens from a file of named tokens, or the client certificate's name.

The tokens file has one token per line, ``#`` starts a comment::

    # NAME        TOKEN                          [METHODS]
    planning-bot  3f9c0d6e0b1a4c7e9d2b8a5f6e1c  Score,Summarize
    admin         9a8b7c6d5e4f3a2b1c0d9e8f7a6b  *

METHODS is a comma-separated list of spi.v1.SpiEngine method names, or ``*`` (the default) for
all of them. A call carries ``authorization: Bearer TOKEN`` metadata. Without the header, or with
a token not in the file: UNAUTHENTICATED. With a token whose line does not list the method:
PERMISSION_DENIED. The caller's NAME (never the token) goes to the logs and the decision log; no
message, log line or decision line ever shows any part of the authorization header (sent without
the ``Bearer`` scheme, the header's first word is the token itself).

Without a tokens file every call is allowed; the caller is then the common name of the client
certificate under mutual TLS, else ``anonymous``. Health checks and reflection are never
authenticated, so load balancers and generic tools can use them. SIGHUP reads the file again
(a bad file is reported and the previous tokens stay).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from spi.v1 import engine_pb2

from .config import ConfigError
from .errors import PermissionDeniedError, UnauthenticatedError

ALL_METHODS = frozenset(
    method.name for method in engine_pb2.DESCRIPTOR.services_by_name["SpiEngine"].methods
)
"""Every method of spi.v1.SpiEngine, read from its descriptor (so ``*`` covers new ones too)."""
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Token:
    """A named token and the methods it may call."""

    name: str
    methods: frozenset[str]


@dataclass(frozen=True)
class Tokens:
    """Tokens by the sha256 of their text, so the secret itself is not kept in memory twice."""

    by_digest: Mapping[str, Token]

    def identify(self, metadata: Iterable[tuple[str, str | bytes]]) -> Token:
        """The token the call carries; UnauthenticatedError without one the file lists."""
        header = next((str(v) for k, v in metadata if k == "authorization"), "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            # Never a word of the header: without the scheme, its first word IS the token.
            raise UnauthenticatedError(
                "expected an 'authorization: Bearer TOKEN' header; got "
                + ("none" if not header else "a header without the 'Bearer ' scheme (not shown)")
            )
        token = self.by_digest.get(_digest(secret.strip()))
        if token is None:
            raise UnauthenticatedError("unknown bearer token")
        return token

    def caller(self, metadata: Iterable[tuple[str, str | bytes]], method: str) -> str:
        """The name of the caller allowed to call ``method``; raise the auth error otherwise."""
        token = self.identify(metadata)
        authorize(token, method)
        return token.name


SAME_AS = {"ScoreColumns": "Score"}
"""Methods that are another form of one a token names: a token that may Score may score columns
(SpiClient.score_many and `spi score --server` send batches as ScoreColumns)."""


def authorize(token: Token, method: str) -> None:
    """PermissionDeniedError unless ``token`` may call ``method`` (or the method it is a form of)."""
    if method not in token.methods and SAME_AS.get(method) not in token.methods:
        allowed = ", ".join(sorted(token.methods))
        raise PermissionDeniedError(
            f"caller {token.name!r} may not call {method}; its token allows: {allowed}"
        )


def load_tokens(path: str | Path) -> Tokens:
    """Tokens from a file; ConfigError names the line of the first problem."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"--tokens {path}: cannot read the file ({error})") from None
    return parse_tokens(text, str(path))


def parse_tokens(text: str, origin: str = "tokens") -> Tokens:
    found: dict[str, Token] = {}
    names: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{origin}, line {number}"
        token = _token(words, where)
        digest = _digest(words[1])
        if token.name in names or digest in found:
            raise ConfigError(
                f"{where}: expected each name and token once; {token.name!r} repeats one"
            )
        names.add(token.name)
        found[digest] = token
    if not found:
        raise ConfigError(f"{origin}: expected at least one 'NAME TOKEN [METHODS]' line; got none")
    return Tokens(found)


def _token(words: list[str], where: str) -> Token:
    if len(words) not in (2, 3):
        raise ConfigError(f"{where}: expected NAME TOKEN [METHODS]; got {len(words)} words")
    listed = words[2] if len(words) == 3 else "*"
    methods = ALL_METHODS if listed == "*" else frozenset(listed.split(","))
    unknown = sorted(methods - ALL_METHODS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown method(s) {', '.join(map(_method_or_hidden, unknown))}; "
            "expected '*' or some of " + ", ".join(sorted(ALL_METHODS))
        )
    return Token(words[0], methods)


def _method_or_hidden(word: str) -> str:
    """A word of the METHODS column as an error shows it: only if it could be a method name.

    A word with digits or signs may be a token put in the wrong column; it is not shown.
    """
    return word if _METHOD_NAME.fullmatch(word) else "(a word that is not a method name, not shown)"


_METHOD_NAME = re.compile(r"[A-Za-z]{1,64}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def certificate_name(auth_context: Mapping[str, list[bytes]]) -> str:
    """The client certificate's common name under mutual TLS, else ANONYMOUS."""
    names = auth_context.get("x509_common_name") or []
    return f"cn:{names[0].decode('utf-8', 'replace')}" if names else ANONYMOUS
