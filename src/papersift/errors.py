"""The errors a user can cause or meet, in one hierarchy.

Every message says what failed, quoting the identifier, and on its own line what to do. The CLI
prints the message and exits 2 for bad input or configuration (``exit_code = 2``) and 1 for a
failure outside papersift's control.
"""

from __future__ import annotations


class PapersiftError(Exception):
    """Base of every error papersift raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n{hint}")


class ConfigError(PapersiftError):
    """The configuration or the interests file is wrong."""

    exit_code = 2


class InputError(PapersiftError):
    """An argument or a local file given by the user cannot be used."""

    exit_code = 2


class FeedError(PapersiftError):
    """A source could not deliver a usable feed (HTTP error, error page, stale batch)."""

    def __init__(self, message: str, hint: str | None = None, *, source: str = "") -> None:
        self.source = source
        super().__init__(message, hint)


class ParseError(FeedError):
    """A feed was fetched or read but its bytes are not a well-formed listing."""

    exit_code = 2


class JudgeError(PapersiftError):
    """The LLM judge failed in a way that stops judging (bad key, exhausted quota)."""


class JudgeSetupError(JudgeError):
    """The judge's settings cannot work: no key for OpenAI, or the endpoint refuses the model or
    a request field they ask for."""

    exit_code = 2


class StoreError(PapersiftError):
    """The database cannot be opened or written."""

    exit_code = 2


class DeliveryError(PapersiftError):
    """A rendered digest could not be delivered."""

    def __init__(self, message: str, hint: str | None = None, *, parts_sent: int = 0) -> None:
        self.parts_sent = parts_sent
        """Messages of a digest split over several that reached the target before the failure."""
        super().__init__(message, hint)


class LibraryError(PapersiftError):
    """The reader's library (a reference manager's web API) could not be read."""


class MissingExtraError(PapersiftError):
    """An optional part is used but its extra is not installed."""

    exit_code = 2

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs packages that are not installed.",
            f"Install them with: pip install 'papersift[{extra}]'",
        )
