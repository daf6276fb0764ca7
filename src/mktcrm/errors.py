"""One error tree for the whole tool: each class carries its exit code and a hint.

Core code raises these; only `cli.main` turns them into a one-line message and an exit code,
so every command reports failures the same way (DESIGN §9).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes (docs/exit-codes.md)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3
    CONFIG = 4
    TEMPORARY = 5
    CHARTER = 6
    INTERRUPTED = 130


class MktcrmError(Exception):
    """An expected failure: printed as `Error: …` plus `Hint: …`, never as a traceback."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(MktcrmError):
    """Bad option, unknown field, or a prompt that cannot be shown."""

    exit_code = ExitCode.USAGE


class ConfigError(MktcrmError):
    """The config file or an account's settings are invalid or missing."""

    exit_code = ExitCode.CONFIG


class AuthError(ConfigError):
    """Credentials missing or rejected by the marketplace (401/403)."""


class RemoteError(MktcrmError):
    """The marketplace answered something we cannot use (unexpected 4xx, bad payload)."""

    exit_code = ExitCode.ERROR


class PaginationLoopError(RemoteError):
    """The marketplace keeps handing back a page we have already read."""


class TemporaryError(MktcrmError):
    """Network failure, 5xx or rate limit after all retries, or the cache is locked: retry later."""

    exit_code = ExitCode.TEMPORARY


class QuotaSpentError(TemporaryError):
    """A daily call quota is spent: the stream stops at its saved cursor until the quota resets."""


class NotFoundError(MktcrmError):
    """An id given on the command line does not exist in the cache."""

    exit_code = ExitCode.ERROR


class NotSupportedError(MktcrmError):
    """The marketplace's API does not offer this action; the hint says what the seller can do instead."""

    exit_code = ExitCode.ERROR


class CharterError(MktcrmError):
    """The text breaks the communication charter: nothing was queued or sent."""

    exit_code = ExitCode.CHARTER


class ConflictError(RemoteError):
    """The marketplace already holds what we tried to create (e.g. a reply already posted: HTTP 409)."""


def from_environment(exc: BaseException) -> MktcrmError | None:
    """The known failures of the machine around us (disk, file system, a damaged cache) as clear errors.

    SQLite and the OS report these as generic exceptions; without this they would read as "internal
    error … report it". Returns None for anything else, which stays a bug to report.
    """
    import errno
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc).lower()
        if "disk is full" in text or "disk i/o error" in text:
            return TemporaryError(
                f"the cache could not be written: {exc}",
                hint="free some disk space and run it again; what was not committed was rolled back",
            )
        if "malformed" in text or "not a database" in text:
            return MktcrmError(
                f"the cache is damaged: {exc}",
                hint="run `mktcrm db check`; restore a backup, or move the file away and run `mktcrm sync --full`",
            )
        if "readonly" in text or "read-only" in text:
            return MktcrmError(f"the cache is read-only: {exc}", hint="point --db at a writable file")
        if "locked" in text or "busy" in text:
            return TemporaryError("the cache is locked by another process", hint="retry later")
        return None
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
        where = f" {exc.filename}" if exc.filename else ""
        error = TemporaryError if exc.errno in (errno.ENOSPC, errno.EDQUOT) else MktcrmError
        return error(f"cannot write{where}: {exc.strerror}", hint="check the disk and the folder's permissions")
    if isinstance(exc, ValueError) and "null byte" in str(exc):  # the OS cannot even look up such a path
        return UsageError("a file name holds a NUL character", hint="check the path given on the command line")
    return None
