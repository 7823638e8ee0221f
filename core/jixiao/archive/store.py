"""Opening an archive by URL, creating and upgrading its schema (Alembic), and writing to it.

One transaction per add: a failed write leaves nothing. SQLite runs in WAL mode with a busy
timeout and takes the write lock at the start of a write (``BEGIN IMMEDIATE``), so two writers at
once both land; PostgreSQL relies on its transactions. Bulk loads use the fast path of each
database: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..errors import ConfigError, DataError
from .schema import SCHEMA_HEAD, SCHEMA_VERSIONS, discrepancy, evaluation, evidence, leaf_score

ENV = "JIXIAO_ARCHIVE"
MIGRATIONS = Path(__file__).with_name("migrations")
EVAL_COLUMNS = [c.name for c in evaluation.columns if c.name != "id"]
BUSY_TIMEOUT_MS = 60_000


def resolve_url(url: str | None) -> str:
    """The SQLAlchemy URL from ``--archive`` or ``JIXIAO_ARCHIVE``; refuses when neither is given."""
    url = url or os.environ.get(ENV)
    if not url:
        raise ConfigError("no archive given", path="--archive",
                          hint=f"give --archive sqlite:///jixiao.db (or postgresql://…), or set {ENV}")
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ConfigError(f"unsupported archive URL {_safe(url)!r}; expected sqlite:///PATH or postgresql://…",
                          path="--archive")
    return url


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return url.split("@")[-1]


def make_engine(url: str) -> sa.Engine:
    url = resolve_url(url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:" and not Path(path).parent.exists():
            raise ConfigError(f"the folder of the archive {path!r} does not exist", path="--archive")
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):  # pragma: no cover - exercised by every sqlite test
            dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("jixiao_write")
                                 else "BEGIN")
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


class Archive:
    """An open archive. ``Archive(url)``; ``add(records)``; ``query(...)``; ``upgrade()``."""

    def __init__(self, url: str | None, *, create: bool = True) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.dialect = self.engine.dialect.name
        self.where = _safe(self.url)
        try:
            rev = self.revision()
        except sa.exc.OperationalError as exc:
            raise ConfigError(f"cannot open the archive: {exc.orig}", file=self.where, path="--archive") from None
        if rev is None and create:
            self._create()
            rev = self.revision()
        if rev is None:
            raise ConfigError("this database holds no jixiao archive", file=self.where, path="--archive",
                              hint="`jixiao archive add` or `jixiao archive upgrade` creates one")
        if rev not in SCHEMA_VERSIONS:
            raise ConfigError(f"the archive is at schema revision {rev}, newer than this jixiao knows "
                              f"({SCHEMA_HEAD}); upgrade jixiao", file=self.where)
        if rev != SCHEMA_HEAD:
            raise ConfigError(f"the archive is at schema v{SCHEMA_VERSIONS[rev]}, this jixiao writes "
                              f"v{SCHEMA_VERSIONS[SCHEMA_HEAD]}", file=self.where,
                              hint=f"back it up, then run `jixiao archive upgrade --archive {self.where}`")

    # -- schema -----------------------------------------------------------------------------------
    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return MigrationContext.configure(conn).get_current_revision()

    def _create(self) -> None:
        # Two processes may create the same new archive at once: the loser finds it made and goes on.
        for attempt in range(20):
            try:
                upgrade(self.engine, SCHEMA_HEAD)
                return
            except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
                time.sleep(0.1 * (attempt + 1))
                if self.revision() == SCHEMA_HEAD:
                    return
        upgrade(self.engine, SCHEMA_HEAD)

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction)."""
        with self.engine.connect().execution_options(jixiao_write=True) as conn, conn.begin():
            yield conn

    # -- writing ----------------------------------------------------------------------------------
    def add(self, records: Sequence[Mapping[str, Any]], *, replace: bool = False) -> dict[str, int]:
        """Add records in one transaction. The same document twice is skipped; another document for
        the same pack/project/year/kind is refused unless ``replace``. Returns counts."""
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        seen: dict[str, Mapping[str, Any]] = {}
        keys: dict[tuple, str] = {}
        todo: list[Mapping[str, Any]] = []
        for r in records:
            if r["doc_sha256"] in seen:
                counts["unchanged"] += 1
                continue
            key = (r["pack"], r["project_id"], r["year"], r["kind"])
            if key in keys:
                raise DataError(f"two different documents for project {r['project_id']!r}, {r['year']}, {r['kind']} "
                                f"({r['pack']}) in one add", file=r.get("source") or keys[key])
            keys[key] = r.get("source") or ""
            seen[r["doc_sha256"]] = r
            todo.append(r)
        with self.write() as conn:
            existing_sha = self._existing(conn, evaluation.c.doc_sha256, [r["doc_sha256"] for r in todo])
            todo = [r for r in todo if r["doc_sha256"] not in existing_sha]
            counts["unchanged"] += len(seen) - len(todo)
            clash = self._clashes(conn, todo)
            if clash and not replace:
                r, old, _ = clash[0]
                more = f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""
                raise DataError(f"the archive already holds another evaluation of project {r['project_id']!r}, "
                                f"{r['year']}, {r['kind']} ({r['pack']}), archived from {old}{more}",
                                file=r.get("source"),
                                hint="give --replace to store this one instead (a corrected evaluation)")
            if clash:
                ids = [old_id for _, _, old_id in clash]
                for chunk in _chunks(ids, 500):
                    for t in (leaf_score, discrepancy, evidence):
                        conn.execute(t.delete().where(t.c.evaluation_id.in_(chunk)))
                    conn.execute(evaluation.delete().where(evaluation.c.id.in_(chunk)))
                counts["replaced"] = len(clash)
            self._insert(conn, todo)
            counts["added"] = len(todo) - counts["replaced"]
        return counts

    def _existing(self, conn, column, values: list) -> set:
        found: set = set()
        for chunk in _chunks(values, 500):
            found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
        return found

    def _clashes(self, conn, todo) -> list[tuple[Mapping[str, Any], str, int]]:
        if not todo:
            return []
        e = evaluation.c
        by_key = {(r["pack"], r["project_id"], r["year"], r["kind"]): r for r in todo}
        out = []
        for pack in sorted({r["pack"] for r in todo}):
            pids = sorted({r["project_id"] for r in todo if r["pack"] == pack})
            for chunk in _chunks(pids, 500):
                q = sa.select(e.id, e.pack, e.project_id, e.year, e.kind, e.source).where(
                    e.pack == pack, e.project_id.in_(chunk))
                for row in conn.execute(q):
                    r = by_key.get((row.pack, row.project_id, row.year, row.kind))
                    if r is not None:
                        out.append((r, row.source or f"archive id {row.id}", row.id))
        out.sort(key=lambda c: (c[0]["project_id"], c[0]["year"], c[0]["kind"]))
        return out

    def _insert(self, conn: sa.Connection, todo: Sequence[Mapping[str, Any]]) -> None:
        if not todo:
            return
        if self.dialect == "postgresql":
            conn.exec_driver_sql("LOCK TABLE evaluation IN SHARE ROW EXCLUSIVE MODE")
        start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(evaluation.c.id), 0))).scalar_one() + 1
        ev_rows: list[tuple] = []
        leaf_rows: list[tuple] = []
        disc_rows: list[tuple] = []
        evid_rows: list[tuple] = []
        for i, r in enumerate(todo):
            eid = start + i
            ev_rows.append((eid, *(r[c] for c in EVAL_COLUMNS)))
            leaf_rows.extend((eid, *leaf) for leaf in r["leaves"])
            disc_rows.extend((eid, k, code, detail) for k, (code, detail) in enumerate(r["discrepancies"]))
            evid_rows.extend((eid, k, code, detail) for k, (code, detail) in enumerate(r["evidence"]))
        tables = [(evaluation, ["id", *EVAL_COLUMNS], ev_rows),
                  (leaf_score, ["evaluation_id", "code", "name", "standard_e4", "score_e4", "lost_e4"], leaf_rows),
                  (discrepancy, ["evaluation_id", "seq", "code", "detail"], disc_rows),
                  (evidence, ["evaluation_id", "seq", "code", "detail"], evid_rows)]
        raw = conn.connection.driver_connection
        assert raw is not None
        for table, cols, rows in tables:
            if not rows:
                continue
            if self.dialect == "postgresql":
                with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for chunk in _chunks(rows, 50_000):
                        copy.write("".join(_copy_line(row) for row in chunk).encode("utf-8"))
            else:
                cur = raw.cursor()
                cur.executemany(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES "
                                f"({', '.join('?' * len(cols))})", rows)
                cur.close()
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('evaluation', 'id'), "
                                 "(SELECT max(id) FROM evaluation))")

    # -- reading ----------------------------------------------------------------------------------
    def query(self, **filters: Any) -> list[dict[str, Any]]:
        """Evaluations matching the filters (pack, year, department, region, kind, grade, project_id),
        ordered by pack, year, project, kind — without the document."""
        e = evaluation.c
        cols = [e.id, *(getattr(e, c) for c in EVAL_COLUMNS if c != "document")]
        q = sa.select(*cols)
        for name, value in filters.items():
            if value is None or value == () or value == []:
                continue
            col = getattr(e, name)
            q = q.where(col.in_(list(value)) if isinstance(value, list | tuple | set) else col == value)
        q = q.order_by(e.pack, e.year, e.project_id, e.kind)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def leaves(self, ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        ls = leaf_score.c
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(ids)), 900):
                q = sa.select(ls.evaluation_id, ls.code, ls.name, ls.standard_e4, ls.score_e4, ls.lost_e4).where(
                    ls.evaluation_id.in_(chunk))
                for r in conn.execute(q):
                    out.setdefault(r.evaluation_id, []).append(dict(r._mapping))
        return out

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (evaluation, leaf_score, discrepancy, evidence)}

    def close(self) -> None:
        self.engine.dispose()


def upgrade(engine: sa.Engine, target: str = SCHEMA_HEAD) -> tuple[str | None, str]:
    """Create or upgrade the archive's schema to ``target``; returns (before, after) revisions."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.connect().execution_options(jixiao_write=True) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7113)")
            before = (MigrationContext.configure(conn).get_current_revision()
                      if sa.inspect(conn).has_table("alembic_version") else None)
            command.upgrade(_alembic_config(conn), target)
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after or target


def upgrade_url(url: str | None) -> tuple[str | None, str]:
    engine = make_engine(resolve_url(url))
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row: Sequence[Any]) -> str:
    """One row in PostgreSQL's COPY text format (tab-separated, \\N for NULL, escapes for text)."""
    return "\t".join("\\N" if v is None else str(v) if isinstance(v, int) else str(v).translate(_COPY_ESCAPES)
                     for v in row) + "\n"


def _chunks(seq: Sequence, n: int) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
