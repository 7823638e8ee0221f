"""The formula language for indicator values: parse with a small lark grammar, check, evaluate in Decimal.

A formula is data, never code: it is parsed by the grammar in ``formula.lark`` into jixiao's own
syntax tree, checked against an allow-list (``min``, ``max``, ``sum``, ``if``), and evaluated by
walking that tree with :data:`jixiao.numbers.CONTEXT`. Nothing in it can reach a Python object:
``budget.actual`` is the language's table-column syntax, resolved through a callback, not an
attribute lookup. Every problem is a :class:`~jixiao.errors.FormulaError` (exit 2) or, for a value
that cannot be computed (x ÷ 0), a :class:`~jixiao.errors.DataError` (exit 3), located inside the
formula by line, column and a caret line. See docs/formulas.md.
"""

from __future__ import annotations

import decimal
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, cast

import attrs
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .errors import DataError, FormulaError, JixiaoError
from .numbers import CONTEXT, HUNDRED, ONE, ZERO, fmt_number, fmt_percent_short

FUNCTIONS = ("if", "max", "min", "sum")
"""The allow-list of functions; any other call is refused."""

MAX_LENGTH = 5000
"""Longer formulas are refused: a value formula is one line an evaluator reads."""
MAX_DEPTH = 200
"""More nested operations are refused, so checking and evaluating never run out of stack."""

ZERO_DIVISION_POLICIES = ("met", "zero", "error")

_COMPARE_TEXT = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_COMPARE_CANON = {
    "<=": "<=", ">=": ">=", "!=": "!=", "==": "=", "＜＝": "<=", "＞＝": ">=", "！＝": "!=", "<": "<", ">": ">",
    "=": "=", "≤": "<=", "≥": ">=", "≠": "!=", "＜": "<", "＞": ">", "＝": "=",
}
_ARITH_CANON = {"+": "+", "＋": "+", "-": "-", "−": "-", "－": "-", "*": "*", "×": "*", "＊": "*", "/": "/",
                "÷": "/", "／": "/"}
_TERMINAL_TEXT = {
    "NUMBER": "a number", "NAME": "a name", "ADD": "+ or -", "MUL": "* or /", "COMP": "a comparison",
    "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "DOT": "'.'", "$END": "the end of the formula",
}


# ------------------------------------------------------------------------------------------
# The syntax tree (jixiao's own; no Python object is ever built from formula text)
# ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Node:
    start: int
    """Offset of the node's first character in the formula."""
    end: int
    depth: int = 1


@attrs.frozen(kw_only=True)
class Num(Node):
    value: Decimal
    text: str


@attrs.frozen(kw_only=True)
class Name(Node):
    name: str


@attrs.frozen(kw_only=True)
class Column(Node):
    table: str
    column: str


@attrs.frozen(kw_only=True)
class Unary(Node):
    op: str
    operand: Node


@attrs.frozen(kw_only=True)
class Binary(Node):
    op: str
    op_at: int
    left: Node
    right: Node


@attrs.frozen(kw_only=True)
class Compare(Node):
    op: str
    op_at: int
    left: Node
    right: Node


@attrs.frozen(kw_only=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@attrs.frozen(kw_only=True)
class Paren(Node):
    inner: Node


def _tok_end(tok: Token) -> int:
    return (tok.start_pos or 0) + len(tok.value)


def _depth(*nodes: Node) -> int:
    d = 1 + max((n.depth for n in nodes), default=0)
    if d > MAX_DEPTH:
        # Raised while parsing (lark calls the builder on each reduction), so the tree never gets deep.
        raise _TooDeep(nodes[0].start)
    return d


class _TooDeep(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Build(Transformer):
    """Turns lark's reductions into :class:`Node` records as the parser goes (no recursion)."""

    def number(self, c):
        (tok,) = c
        text = tok.value.replace("％", "%")
        if text.endswith("%"):
            value = CONTEXT.divide(Decimal(text[:-1]), HUNDRED)
        else:
            value = Decimal(text)
        return Num(start=tok.start_pos, end=_tok_end(tok), value=value, text=text)

    def name(self, c):
        (tok,) = c
        return Name(start=tok.start_pos, end=_tok_end(tok), name=tok.value)

    def column(self, c):
        table, _dot, col = c
        return Column(start=table.start_pos, end=_tok_end(col), table=table.value, column=col.value)

    def call(self, c):
        func, lpar = c[0], c[1]
        args = tuple(c[2]) if len(c) == 4 else ()
        rpar = c[-1]
        return Call(start=func.start_pos, end=_tok_end(rpar), func=func.value, args=args,
                    depth=_depth(Name(start=func.start_pos, end=_tok_end(lpar), name=""), *args))

    def args(self, c):
        return [x for x in c if isinstance(x, Node)]

    def paren(self, c):
        lpar, inner, rpar = c
        return Paren(start=lpar.start_pos, end=_tok_end(rpar), inner=inner, depth=_depth(inner))

    def unary(self, c):
        op, operand = c
        return Unary(start=op.start_pos, end=operand.end, op=_ARITH_CANON[op.value], operand=operand,
                     depth=_depth(operand))

    def binary(self, c):
        left, op, right = c
        return Binary(start=left.start, end=right.end, op=_ARITH_CANON[op.value], op_at=op.start_pos, left=left,
                      right=right, depth=_depth(left, right))

    def compare(self, c):
        left, op, right = c
        return Compare(start=left.start, end=right.end, op=_COMPARE_CANON[op.value], op_at=op.start_pos, left=left,
                       right=right, depth=_depth(left, right))

    def start(self, c):
        return c[0]


_LARK_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": False}


def _grammar() -> str:
    return files("jixiao").joinpath("formula.lark").read_text(encoding="utf-8")


@cache
def _parser() -> Lark:
    """The LALR parser, loaded from its built tables in ``formula_tables.py`` (about 1 ms).

    Building it from ``formula.lark`` takes lark 0.1 s (the grammar parsed, the LALR tables computed),
    which was a fifth of ``jixiao batch``'s fixed start-up for a pack with formulas. The tables are
    used only when they were built from this very grammar text (its SHA-256) by this lark version;
    otherwise the parser is built from the grammar as before, the same parser, only slower."""
    import hashlib

    from lark import __version__ as lark_version

    from . import formula_tables as tables

    grammar = _grammar()
    if (tables.LARK_VERSION == lark_version
            and tables.GRAMMAR_SHA256 == hashlib.sha256(grammar.encode("utf-8")).hexdigest()):
        return Lark._load_from_dict(tables.DATA, tables.MEMO, transformer=_Build())
    return _built_parser(grammar)


def _built_parser(grammar: str) -> Lark:
    return Lark(grammar, **_LARK_OPTIONS, transformer=_Build())


def tables_source() -> str:
    """The text of ``formula_tables.py``: the LALR tables lark builds from ``formula.lark``.

    Run ``uv run python -m jixiao.formula`` after changing the grammar; a test fails until the file
    matches the grammar again. Plain literals only (read by the Python compiler, never pickle)."""
    import hashlib
    import pprint

    from lark import __version__ as lark_version
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    grammar = _grammar()
    data, memo = Lark(grammar, **_LARK_OPTIONS).memo_serialize([TerminalDef, Rule])
    return ("# Generated by `python -m jixiao.formula` from formula.lark: lark's LALR tables for the formula\n"
            "# language, so a run loads them instead of building them (0.1 s). Do not edit; regenerate.\n"
            "# ruff: noqa\n"
            f"LARK_VERSION = {lark_version!r}\n"
            f"GRAMMAR_SHA256 = {hashlib.sha256(grammar.encode('utf-8')).hexdigest()!r}\n"
            f"DATA = {pprint.pformat(data, width=110, sort_dicts=True)}\n"
            f"MEMO = {pprint.pformat(memo, width=110, sort_dicts=True)}\n")


# ------------------------------------------------------------------------------------------
# Locating problems inside the formula
# ------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Display width: CJK characters take two columns, so the caret lands under the right character."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _located(cls: type[JixiaoError], message: str, text: str, offset: int, length: int = 1, *,
             file: str | None, where: str | None) -> JixiaoError:
    """An error pointing at ``text[offset:offset+length]``: line/column in the path, a caret line in the message."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end == -1 else line_end
    line_no = text.count("\n", 0, offset) + 1
    column = offset - line_start + 1
    line_text = text[line_start:line_end].replace("\t", " ")
    span = max(1, min(length, line_end - offset))
    caret = " " * _width(line_text[: offset - line_start]) + "^" * max(1, _width(text[offset:offset + span]))
    at = f"line {line_no}, column {column}" if "\n" in text else f"column {column}"
    err = cls(f"{message}\n    {line_text}\n    {caret}", file=file, path=f"{where} ({at})" if where else at)
    err.formula = text  # type: ignore[attr-defined]
    err.offset = offset  # type: ignore[attr-defined]
    err.line = line_no  # type: ignore[attr-defined]
    err.column = column  # type: ignore[attr-defined]
    return err


def _parse_problem(text: str, exc: UnexpectedInput) -> tuple[str, int, int]:
    """A sentence saying what is wrong at the failing position, naming what the language refuses."""
    if isinstance(exc, UnexpectedEOF):
        return "the formula ends too early (an operand or a closing parenthesis is missing)", len(text), 1
    pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return "the formula ends too early (an operand or a closing parenthesis is missing)", len(text), 1
    ch = text[pos] if pos < len(text) else ""
    before = text[:pos].rstrip()
    if ch == "*" and before.endswith("*"):
        star = len(before) - 1
        return "powers (**) are not part of the formula language", star, 2 if text.startswith("**", star) else 1
    if text.startswith("**", pos):
        return "powers (**) are not part of the formula language", pos, 2
    if ch in "\"'“”‘’「」":
        return "strings are not part of the formula language (only numbers, names and table columns)", pos, 1
    if ch in "[]【】":
        return "subscripts ([…]) are not part of the formula language; use sum(table.column)", pos, 1
    if ch == "_":
        return "names may not start with an underscore", pos, 1
    word = before.rsplit(None, 1)[-1] if before else ""
    if word == "lambda":
        return "lambdas are not part of the formula language", before.rfind("lambda"), 6
    if ch in "%％":
        return "'%' may only follow a number (85%); there is no remainder operator", pos, 1
    if ch in ":：":
        return "':' is not part of the formula language (no lambdas, slices or dictionaries)", pos, 1
    if ch == "." or ch == "．":
        return "'.' may only join a declared table and one of its columns (budget.actual)", pos, 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "COMP":
        return "only one comparison per condition (no chains like a<b<c)", pos, len(exc.token.value)
    if isinstance(exc, UnexpectedToken):
        expected = sorted({_TERMINAL_TEXT.get(t, t) for t in exc.expected if not t.startswith("__")})
        got = exc.token.value
        return f"unexpected {got!r}; expected {', '.join(expected)}", pos, max(1, len(got))
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {ch!r}", pos, 1
    return "the formula does not parse", pos, 1


# ------------------------------------------------------------------------------------------
# Compiling: parse, then check names, functions and types
# ------------------------------------------------------------------------------------------

NUMBER, BOOL, COLUMN = "number", "true/false", "column"


@attrs.frozen(kw_only=True)
class CompiledFormula:
    """A checked formula, ready to evaluate any number of times."""

    text: str
    tree: Node = attrs.field(repr=False, eq=False)
    names: tuple[str, ...]
    """Scalar inputs the formula reads, in order of first use."""
    columns: tuple[tuple[str, str], ...]
    """(table, column) pairs the formula reads, in order of first use."""
    kinds: Mapping[str, str] = attrs.field(factory=dict)
    """Declared kind of each name (``rate`` values are shown as percentages)."""
    file: str | None = None
    where: str | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for t, _ in self.columns))

    def evaluate(self, scalar: Callable[[str], Decimal], column: Callable[[str, str], Sequence[Decimal]], *,
                 zero_division: str = "met", file: str | None = None, where: str | None = None,
                 notes: list[str] | None = None) -> tuple[Decimal, str]:
        """The formula's value and its working with the numbers put in (``2824/2736``).

        ``scalar(name)`` and ``column(table, column)`` supply the inputs; 0 ÷ 0 follows
        ``zero_division`` (``met`` → 1, ``zero`` → 0, ``error``) and is noted in ``notes`` when given;
        x ÷ 0 with x ≠ 0 is a :class:`DataError` located at the division.
        """
        if zero_division not in ZERO_DIVISION_POLICIES:
            raise ValueError(f"zero_division must be one of {ZERO_DIVISION_POLICIES}, got {zero_division!r}")
        ev = _Evaluator(self, scalar, column, zero_division, file or self.file, where or self.where, notes)
        try:
            value, shown = ev.eval(self.tree)
        except decimal.DecimalException:
            raise _located(DataError, "the result is too large or too small to compute", self.text, 0,
                           len(self.text), file=ev.file, where=ev.where) from None
        return value, shown


def compile_formula(expr: str, *, file: str | None = None, where: str | None = None,
                    declared: Mapping[str, str] | None = None) -> CompiledFormula:
    """Parse and check a formula; raises a located :class:`FormulaError` for anything not allowed.

    ``declared`` maps each input name to its kind (``number``, ``count``, ``rate``, ``table``…); when
    it is given, a name not in it is an error, and only names of kind ``table`` take ``.column``.
    """
    if not isinstance(expr, str):
        raise FormulaError(f"a formula must be a string, got {type(expr).__name__}", file=file, path=where)
    if not expr.strip():
        raise FormulaError("the formula is empty", file=file, path=where)
    if len(expr) > MAX_LENGTH:
        raise _located(FormulaError, f"the formula is longer than {MAX_LENGTH} characters", expr, MAX_LENGTH,
                       file=file, where=where)
    try:
        tree = _parser().parse(expr)
    except _TooDeep as deep:
        raise _located(FormulaError, f"the formula has more than {MAX_DEPTH} nested operations", expr, deep.offset,
                       file=file, where=where) from None
    except UnexpectedInput as exc:
        msg, pos, length = _parse_problem(expr, exc)
        raise _located(FormulaError, msg, expr, pos, length, file=file, where=where) from None
    checker = _Checker(expr, file, where, declared)
    root = cast(Node, tree)  # the transformer has turned lark's parse tree into our nodes
    checker.check(root, NUMBER, "the formula")
    kinds = {n: declared[n] for n in checker.names if declared and n in declared}
    return CompiledFormula(text=expr, tree=root, names=tuple(checker.names), columns=tuple(checker.columns),
                           kinds=kinds, file=file, where=where)


class _Checker:
    """Checks names against the declaration, calls against the allow-list, and that types fit."""

    def __init__(self, text: str, file: str | None, where: str | None, declared: Mapping[str, str] | None) -> None:
        self.text, self.file, self.where, self.declared = text, file, where, declared
        self.names: dict[str, None] = {}
        self.columns: dict[tuple[str, str], None] = {}
        self.tables: set[str] = set()

    def fail(self, message: str, node: Node | None = None, *, at: int | None = None, length: int | None = None):
        start = at if at is not None else (node.start if node else 0)
        span = length if length is not None else ((node.end - node.start) if node else 1)
        return _located(FormulaError, message, self.text, start, span, file=self.file, where=self.where)

    def _declared_kind(self, name: str, node: Node) -> str | None:
        if self.declared is None:
            return None
        if name not in self.declared:
            known = ", ".join(sorted(self.declared)) or "none"
            raise self.fail(f"{name!r} is not a declared input (declared: {known})", node, length=len(name))
        return self.declared[name]

    def check(self, node: Node, want: str, role: str) -> None:
        got = self.kind_of(node)
        if got == want or (want == "number or column" and got in (NUMBER, COLUMN)):
            return
        if got == BOOL:
            raise self.fail(f"{role} must be a number, but a comparison gives true/false; "
                            "use if(condition, a, b)", node)
        if got == COLUMN:
            col = f"{getattr(node, 'table', '')}.{getattr(node, 'column', '')}"
            raise self.fail(f"{role} must be a number, but {col} is a table column "
                            f"(a list of numbers); use sum({col})", node)
        raise self.fail(f"{role} must be a comparison (true/false), not a number", node)

    def kind_of(self, node: Node) -> str:
        if isinstance(node, Num):
            return NUMBER
        if isinstance(node, Name):
            kind = self._declared_kind(node.name, node)
            if kind == "table" or (self.declared is None and node.name in self.tables):
                raise self.fail(f"{node.name!r} is a table; use one of its columns, e.g. sum({node.name}.column)",
                                node)
            self.names.setdefault(node.name, None)
            return NUMBER
        if isinstance(node, Column):
            kind = self._declared_kind(node.table, node)
            if (kind is not None and kind != "table") or node.table in self.names:
                raise self.fail(f"{node.table!r} is not a table, so '.{node.column}' cannot follow it "
                                "(only a declared table's columns can be named with a dot)", node)
            self.tables.add(node.table)
            self.columns.setdefault((node.table, node.column), None)
            return COLUMN
        if isinstance(node, Paren):
            self.check(node.inner, NUMBER, "a parenthesised expression")
            return NUMBER
        if isinstance(node, Unary):
            self.check(node.operand, NUMBER, f"the operand of {node.op}")
            return NUMBER
        if isinstance(node, Binary):
            self.check(node.left, NUMBER, f"the left side of {node.op}")
            self.check(node.right, NUMBER, f"the right side of {node.op}")
            return NUMBER
        if isinstance(node, Compare):
            self.check(node.left, NUMBER, "the left side of a comparison")
            self.check(node.right, NUMBER, "the right side of a comparison")
            return BOOL
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(f"unknown node {node!r}")

    def call(self, node: Call) -> str:
        func = node.func
        if func not in FUNCTIONS:
            raise self.fail(f"unknown function {func!r}; the formula language has only "
                            f"{', '.join(FUNCTIONS)}", node, length=len(func))
        n = len(node.args)
        if func == "if":
            if n != 3:
                raise self.fail(f"if takes 3 arguments (condition, value if true, value if false), got {n}",
                                node, length=2)
            self.check(node.args[0], BOOL, "the condition of if")
            self.check(node.args[1], NUMBER, "the second argument of if")
            self.check(node.args[2], NUMBER, "the third argument of if")
            return NUMBER
        if n == 0:
            raise self.fail(f"{func} needs at least one argument: numbers or a table column", node,
                            length=len(func))
        for i, arg in enumerate(node.args, 1):
            self.check(arg, "number or column", f"argument {i} of {func}")
        return NUMBER


# ------------------------------------------------------------------------------------------
# Evaluating: Decimal arithmetic and the working with the numbers put in
# ------------------------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, compiled: CompiledFormula, scalar, column, zero_division: str, file, where, notes) -> None:
        self.c = compiled
        self.scalar, self.column = scalar, column
        self.zero_division = zero_division
        self.file, self.where = file, where
        self.notes = notes
        self._values: dict[str, Decimal] = {}
        self._columns: dict[tuple[str, str], list[Decimal]] = {}

    def fail(self, message: str, at: int, length: int = 1) -> JixiaoError:
        return _located(DataError, message, self.c.text, at, length, file=self.file, where=self.where)

    def value_of(self, name: str) -> Decimal:
        if name not in self._values:
            v = self.scalar(name)
            if not isinstance(v, Decimal):
                raise TypeError(f"the scalar callback returned {type(v).__name__} for {name!r}, not a Decimal")
            self._values[name] = v
        return self._values[name]

    def column_of(self, table: str, col: str) -> list[Decimal]:
        key = (table, col)
        if key not in self._columns:
            values = list(self.column(table, col))
            if not all(isinstance(v, Decimal) for v in values):
                raise TypeError(f"the column callback returned non-Decimal values for {table}.{col}")
            self._columns[key] = values
        return self._columns[key]

    def show(self, name: str, value: Decimal) -> str:
        text = fmt_percent_short(value) if self.c.kinds.get(name) == "rate" else fmt_number(value)
        return f"({text})" if value < 0 else text

    def eval(self, node: Node) -> tuple[Any, str]:
        if isinstance(node, Num):
            return node.value, node.text
        if isinstance(node, Name):
            v = self.value_of(node.name)
            return v, self.show(node.name, v)
        if isinstance(node, Paren):
            v, t = self.eval(node.inner)
            return v, f"({t})"
        if isinstance(node, Unary):
            v, t = self.eval(node.operand)
            return (CONTEXT.minus(v) if node.op == "-" else CONTEXT.plus(v)), f"{node.op}{t}"
        if isinstance(node, Binary):
            lv, lt = self.eval(node.left)
            rv, rt = self.eval(node.right)
            text = f"{lt}{node.op}{rt}"
            if node.op == "+":
                return CONTEXT.add(lv, rv), text
            if node.op == "-":
                return CONTEXT.subtract(lv, rv), text
            if node.op == "*":
                return CONTEXT.multiply(lv, rv), text
            return self.divide(lv, rv, node), text
        if isinstance(node, Compare):
            lv, lt = self.eval(node.left)
            rv, rt = self.eval(node.right)
            result = {"<": lv < rv, "<=": lv <= rv, ">": lv > rv, ">=": lv >= rv, "=": lv == rv,
                      "!=": lv != rv}[node.op]
            return result, f"{lt}{_COMPARE_TEXT[node.op]}{rt}"
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(f"unknown node {node!r}")

    def divide(self, num: Decimal, den: Decimal, node: Binary) -> Decimal:
        if den != 0:
            return CONTEXT.divide(num, den)
        if num != 0:
            raise self.fail(f"division by zero: {fmt_number(num)} ÷ 0", node.op_at)
        if self.zero_division == "error":
            raise self.fail("0 ÷ 0, and the rule set refuses it (zero_division = \"error\")", node.op_at)
        if self.notes is not None:
            self.notes.append("0/0")
        return ONE if self.zero_division == "met" else ZERO

    def call(self, node: Call) -> tuple[Decimal, str]:
        if node.func == "if":
            cond, ct = self.eval(node.args[0])
            # Only the chosen branch is computed, so if(b=0, 0, a/b) never divides by zero.
            if cond:
                v, at = self.eval(node.args[1])
                bt = self.render(node.args[2])
            else:
                v, bt = self.eval(node.args[2])
                at = self.render(node.args[1])
            return v, f"if({ct},{at},{bt})"
        values: list[Decimal] = []
        texts: list[str] = []
        has_column = False
        for arg in node.args:
            if isinstance(arg, Column):
                has_column = True
                vals = self.column_of(arg.table, arg.column)
                if not vals and node.func != "sum":
                    raise self.fail(f"{node.func}({arg.table}.{arg.column}): the table has no rows", arg.start,
                                    arg.end - arg.start)
                values.extend(vals)
            else:
                v, t = self.eval(arg)
                values.append(v)
                texts.append(t)
        if node.func == "sum":
            result = ZERO
            for v in values:
                result = CONTEXT.add(result, v)
        elif node.func == "min":
            result = min(values)
        else:
            result = max(values)
        if has_column:
            # A column's figures are in its table; the working shows what they come to.
            return result, fmt_number(result) if result >= 0 else f"({fmt_number(result)})"
        return result, f"{node.func}({','.join(texts)})"

    def render(self, node: Node) -> str:
        """The working of a branch ``if`` did not take: names filled in, nothing computed."""
        if isinstance(node, Num):
            return node.text
        if isinstance(node, Name):
            return self.show(node.name, self.value_of(node.name))
        if isinstance(node, Column):
            return f"{node.table}.{node.column}"
        if isinstance(node, Paren):
            return f"({self.render(node.inner)})"
        if isinstance(node, Unary):
            return f"{node.op}{self.render(node.operand)}"
        if isinstance(node, Binary):
            return f"{self.render(node.left)}{node.op}{self.render(node.right)}"
        if isinstance(node, Compare):
            return f"{self.render(node.left)}{_COMPARE_TEXT[node.op]}{self.render(node.right)}"
        if isinstance(node, Call):
            return f"{node.func}({','.join(self.render(a) for a in node.args)})"
        raise AssertionError(f"unknown node {node!r}")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool; tables_source() is tested
    import pathlib

    target = pathlib.Path(__file__).with_name("formula_tables.py")
    target.write_text(tables_source(), encoding="utf-8")
    print(f"wrote {target}")
