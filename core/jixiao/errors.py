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


class PluginBug(JixiaoError):
    """An exception other than a :class:`JixiaoError` escaped from a plugin: that plugin's bug. Exit 1.

    The message names the indicator (when there is one), the plugin, its distribution and version,
    and where to report it (the distribution's home page or issue tracker, from its metadata).
    """

    exit_code = EXIT_INTERNAL
    kind = "plugin error"


def plugin_failure(exc: BaseException, *, what: str, prov: object = None, code: str | None = None,
                   file: str | None = None) -> JixiaoError:
    """The error to raise for ``exc`` escaping from a plugin.

    A plugin raising jixiao's own :class:`JixiaoError` keeps it (a :class:`DataError` stays exit 3), located
    at the indicator when the plugin did not say where. A number out of range (Decimal overflow, an
    invalid operation on nan/inf) is the input's fault: a :class:`DataError`. Anything else is the
    plugin's bug (exit 1), attributed: ``C21: method deviation_penalty (jixiao-pack-x 0.1.0) raised …``.

    Args:
        exc: what the plugin raised.
        what: ``"method deviation_penalty"`` — the kind and name of the plugin.
        prov: the record's :class:`jixiao.types.Provenance` (distribution and version), if known.
        code: the indicator code the plugin was working on.
        file: the file to locate the error in when the plugin did not.
    """
    import decimal

    dist = getattr(prov, "distribution", None)
    version = getattr(prov, "version", None)
    by = f"{what} ({dist} {version})" if dist else f"{what} (no distribution)"
    prefix = f"{code}: " if code else ""
    if isinstance(exc, JixiaoError):
        if code and not exc.path and not isinstance(exc, ErrorGroup):
            exc.path = f"$.indicators.{code}"
        if file and not exc.file:
            exc.file = file
        return exc
    text = str(exc)
    if isinstance(exc, decimal.DecimalException) and text.startswith("[<class"):
        text = ""  # decimal's own "[<class 'decimal.Overflow'>]" says nothing the class name does not
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if isinstance(exc, (decimal.Overflow, decimal.InvalidOperation, OverflowError, RecursionError, MemoryError)) \
            and not isinstance(exc, decimal.DivisionByZero):
        return DataError(f"{by} cannot compute with these numbers ({detail}); "
                         "a value is out of range (too large, too many digits, nan or inf)",
                         file=file, path=f"$.indicators.{code}" if code else None)
    return PluginBug(f"{prefix}{by} raised {detail}", hint=_report_hint(dist))


def _report_hint(dist: str | None) -> str:
    if not dist:
        return "this is a bug in a plugin registered without a distribution; set JIXIAO_TRACEBACK=1 for the traceback"
    where = None
    try:
        from importlib.metadata import metadata

        md = metadata(dist)
        for url in md.get_all("Project-URL") or ():
            label, _, link = url.partition(",")
            if label.strip().lower() in ("issues", "bug tracker", "tracker", "bugs"):
                where = link.strip()
                break
        if where is None:
            for url in md.get_all("Project-URL") or ():
                where = url.partition(",")[2].strip() or None
                break
        where = where or md.get("Home-page") or None
    except (ImportError, OSError, ValueError, AttributeError):  # metadata is best effort; the distribution name is enough to find it
        where = None
    return (f"this is a bug in the plugin's distribution {dist}, not in your data: report it to "
            f"{where or 'the maintainers of ' + dist}; set JIXIAO_TRACEBACK=1 for the traceback")
