"""The server's own errors: what can go wrong around the engine (auth, transport, shutdown).

Like the engine's errors they know nothing of status codes; ``status.TABLE`` maps both trees::

    ServerError(Exception)
    ├── MalformedRequestError     request bytes that are not the method's message
    ├── UnauthenticatedError      no token, or a token the server does not know
    ├── PermissionDeniedError     a known caller calling a method its token does not allow
    ├── ShuttingDownError         a call arriving while the server drains
    ├── DeadlineExceededError     the caller's deadline passed while the server worked
    ├── CancelledError            the caller went away
    └── DecisionLogError          the decision log cannot take a line (full disk, lost file)
"""

from __future__ import annotations


class ServerError(Exception):
    """Root of the server's own errors."""


class MalformedRequestError(ServerError):
    """Bytes that do not parse as the method's request message."""


class UnauthenticatedError(ServerError):
    """A call without a bearer token, or with an unknown one."""


class PermissionDeniedError(ServerError):
    """A caller whose token does not allow this method."""


class ShuttingDownError(ServerError):
    """The server is draining and takes no new calls."""


class DeadlineExceededError(ServerError):
    """The caller's deadline passed before the work was done."""


class CancelledError(ServerError):
    """The caller cancelled the call."""


class DecisionLogError(ServerError):
    """The decision log cannot be opened or written."""
