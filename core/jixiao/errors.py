"""One exception hierarchy for everything a user can get wrong; each error knows where it happened.

The CLI turns a :class:`JixiaoError` into one readable message and an exit code
(0 ok, 1 internal error, 2 usage or configuration error, 3 input-data error); a traceback is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_CONFIG = 2
EXIT_DATA = 3


class JixiaoError(Exception):
    """Base of every error jixiao reports to a user.

    Args:
        message: what is wrong and what was expected.
        file: the file the problem is in, if any.
        path: where inside it: a key path (``$.indicators.B11.target``), a row/column, a formula offset.
        hint: what the user can do about it.
    """

    exit_code = EXIT_CONFIG
    kind = "configuration error"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path
        self.hint = hint

    def located(self, *, file: str | None = None, path_prefix: str | None = None) -> JixiaoError:
        """Fill in the file (and prefix the key path) where a lower layer could not know them."""
        if file and not self.file:
            self.file = str(file)
        if path_prefix:
            self.path = path_prefix + (self.path[1:] if self.path and self.path.startswith("$") else (self.path or ""))
        return self

    def where(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        return ": ".join(parts)

    def format(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.format()


class ConfigError(JixiaoError):
    """A configuration or pack file is wrong (syntax, schema, references, semantics). Exit code 2."""


class DataError(JixiaoError):
    """An input value cannot be right (zero budget, negative count, more handled than received). Exit 3."""

    exit_code = EXIT_DATA
    kind = "data error"


class FormulaError(ConfigError):
    """A formula does not parse or names something it may not use."""


class PluginError(ConfigError):
    """A plugin failed to import, registered a taken name, or targets another API version.

    Always names the plugin and the distribution that provides it.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.plugin = plugin
        self.distribution = distribution


class PackNotFoundError(PluginError):
    """No installed pack has the requested name."""


class ErrorGroup(JixiaoError):
    """Several problems found in one pass; the CLI prints each on its own line.

    The exit code is 2 when any is a configuration problem, 3 when all are data problems.
    """

    def __init__(self, errors: Sequence[JixiaoError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s)")
        self.exit_code = (
            EXIT_DATA if self.errors and all(e.exit_code == EXIT_DATA for e in self.errors) else EXIT_CONFIG
        )

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)


def raise_all(errors: Iterable[JixiaoError]) -> None:
    """Raise nothing, the single error, or an :class:`ErrorGroup` of all of them."""
    errs = list(errors)
    if len(errs) == 1:
        raise errs[0]
    if errs:
        raise ErrorGroup(errs)
