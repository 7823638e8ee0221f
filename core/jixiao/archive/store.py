"""Opening an archive by URL, creating and upgrading its schema (Alembic), and writing to it.

One transaction per add: a failed write leaves nothing. SQLite runs in WAL mode with a busy
timeout and takes the write lock at the start of a write (``BEGIN IMMEDIATE``), so two writers at
once both land; PostgreSQL relies on its transactions. Bulk loads use the fast path of each
database: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from ..errors import ConfigError, DataError
from .bulk import EVAL_COLUMNS, Evaluations, LeafKey, of_records
from .schema import (
    AGGREGATE_KEY,
    SCHEMA_HEAD,
    SCHEMA_VERSIONS,
    discrepancy,
    evaluation,
    evidence,
    leaf,
    leaf_score,
    leaf_scores,
    leaf_total,
)

ENV = "JIXIAO_ARCHIVE"
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 60_000
SQLITE_CACHE_KB = 256 * 1024
"""SQLite page cache per connection (grown only as used): a bulk load keeps its indexes in memory."""
CHUNK = 20_000
"""Evaluations per statement (SQLite) or per COPY buffer (PostgreSQL) in a bulk load."""
SQLITE_PAGE_SIZE = 16384
"""Page size of a new SQLite archive (an existing file keeps its own): fewer, fuller B-tree pages for
25 leaf rows per evaluation — a 1,000,000-row bulk load is ≈ 15% faster than with the default 4096."""


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
            cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes effect only on a new, empty file
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
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
    def add(self, records: Sequence[Mapping[str, Any]] | Evaluations | Sequence[Evaluations], *,
            replace: bool = False) -> dict[str, int]:
        """Add evaluations — archive records, :class:`Evaluations` columns, or several of those (one per
        file) — in one transaction. The same document twice is skipped; another document for the same
        pack/project/year/kind is refused unless ``replace``. Returns the counts added, replaced and
        unchanged."""
        if isinstance(records, Evaluations):
            parts = [records]
        elif records and all(isinstance(r, Evaluations) for r in records):
            parts = [r for r in records if isinstance(r, Evaluations)]
        else:
            parts = [of_records(records)]  # type: ignore[arg-type]
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        with self.write() as conn:
            if self.dialect == "postgresql":  # one writer at a time decides ids and clashes
                conn.exec_driver_sql("LOCK TABLE evaluation IN SHARE ROW EXCLUSIVE MODE")
            for ev in parts:
                for k, v in self._add(conn, ev, replace).items():
                    counts[k] += v
        return counts

    def _add(self, conn: sa.Connection, ev: Evaluations, replace: bool) -> dict[str, int]:
        counts = {"added": 0, "replaced": 0, "unchanged": 0}
        cols = ev.columns
        keep = _first_of_each(cols["doc_sha256"])
        counts["unchanged"] = ev.n - len(keep)
        if len(keep) < ev.n:
            ev = ev.take(keep)
            cols = ev.columns
        keys = list(zip(cols["pack"], cols["project_id"], cols["year"], cols["kind"], strict=True))
        if len(set(keys)) < len(keys):
            seen: dict[tuple, int] = {}
            for i, k in enumerate(keys):
                if k in seen:
                    (f1, w1), (f2, w2) = ev.locate(seen[k]), ev.locate(i)
                    both = f" ({w1} and {w2})" if w1 and w2 else f" ({f1} and {f2})" if f1 != f2 else ""
                    raise DataError(f"two different evaluations of project {k[1]!r}, {k[2]}, {k[3]} ({k[0]}) in one "
                                    f"add{both}", file=f2 or f1, path=w2,
                                    hint="each project is archived once per year and kind; --replace stores a "
                                         "corrected one in a later add")
                seen[k] = i
        skip: set[int] = set()
        if not ev.keyed:
            archived = self._existing(conn, evaluation.c.doc_sha256, cols["doc_sha256"])
            skip = {i for i, d in enumerate(cols["doc_sha256"]) if d in archived}
        clash: list[tuple[int, str, int]] = []
        for i, (sha, old_sha, old_id, old_src) in self._same_keys(conn, keys, cols["doc_sha256"]):
            if i in skip:
                continue
            if sha == old_sha:
                skip.add(i)
            else:
                clash.append((i, old_src or f"archive id {old_id}", old_id))
        if clash and not replace:
            clash.sort(key=lambda c: (keys[c[0]][1], keys[c[0]][2], keys[c[0]][3]))
            i, old, _ = clash[0]
            k = keys[i]
            more = f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""
            file, place = ev.locate(i)
            raise DataError(f"the archive already holds another evaluation of project {k[1]!r}, {k[2]}, {k[3]} "
                            f"({k[0]}), archived from {old}{more}", file=file, path=place,
                            hint="give --replace to store this one instead (a corrected evaluation)")
        if clash:
            ids = sorted(old_id for _, _, old_id in clash)
            _merge_totals(conn, _archived_totals(conn, ids, sign=-1))  # the replaced rows leave the aggregate
            for chunk in _chunks(ids, 500):
                for t in (leaf_score, discrepancy, evidence):
                    conn.execute(t.delete().where(t.c.evaluation_id.in_(chunk)))
                conn.execute(evaluation.delete().where(evaluation.c.id.in_(chunk)))
            counts["replaced"] = len(clash)
        counts["unchanged"] += len(skip)
        if skip:
            ev = ev.take([i for i in range(ev.n) if i not in skip])
        self._insert(conn, ev)
        counts["added"] = ev.n - counts["replaced"]
        return counts

    def _existing(self, conn, column, values: list) -> set:
        found: set = set()
        for chunk in _chunks(values, 500):
            found.update(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
        return found

    def _same_keys(self, conn, keys: list[tuple], digests: list[str]
                   ) -> Iterator[tuple[int, tuple[str, str, int, str | None]]]:
        """(row, (its digest, the archived digest, id, source)) for every row whose pack/project/year/kind
        is archived already."""
        e = evaluation.c
        groups: dict[tuple, dict[str, int]] = {}
        heads = {(pack, year, kind) for pack, _, year, kind in keys}
        if len(heads) == 1:  # one portfolio (a batch): its project ids in one step
            groups[heads.pop()] = {pid: i for i, (_, pid, _, _) in enumerate(keys)}
        else:
            for i, (pack, pid, year, kind) in enumerate(keys):
                groups.setdefault((pack, year, kind), {})[pid] = i
        for (pack, year, kind), pids in groups.items():
            q = sa.select(e.project_id, e.doc_sha256, e.id, e.source).where(e.pack == pack, e.kind == kind,
                                                                            e.year == year)
            if len(pids) > 2000:  # a whole portfolio: one range scan of the (pack, year, kind) index
                found = conn.execute(q)
            else:
                found = (row for chunk in _chunks(sorted(pids), 500)
                         for row in conn.execute(q.where(e.project_id.in_(chunk))))
            for pid, old_sha, old_id, src in found:
                at = pids.get(pid)
                if at is not None:
                    yield at, (digests[at], old_sha, old_id, src)

    def _leaf_ids(self, conn: sa.Connection, keys: Sequence[LeafKey]) -> list[int]:
        """The ``leaf`` ids of these (pack, code, name, standard) keys, inserting the new ones."""
        lf = leaf.c
        have: dict[LeafKey, int] = {}
        for pack in sorted({k[0] for k in keys}):
            for row in conn.execute(sa.select(lf.id, lf.pack, lf.code, lf.name, lf.standard_e4).where(lf.pack == pack)):
                have.setdefault((row.pack, row.code, row.name, row.standard_e4), row.id)
        for k in keys:
            if k not in have:
                have[k] = conn.execute(sa.insert(leaf).values(pack=k[0], code=k[1], name=k[2], standard_e4=k[3])
                                       .returning(lf.id)).scalar_one()
        return [have[k] for k in keys]

    def _insert(self, conn: sa.Connection, ev: Evaluations) -> None:
        n = ev.n
        if not n:
            return
        start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(evaluation.c.id), 0))).scalar_one() + 1
        leaf_ids = self._leaf_ids(conn, ev.leaf_keys)
        raw = conn.connection.driver_connection
        assert raw is not None
        pg = self.dialect == "postgresql"
        # A load at least as large as what the archive holds (the first load, above all): the secondary
        # indexes (and on PostgreSQL the unique constraints and leaf_score's primary key) are dropped in this
        # transaction and built again after it by one sort each — far cheaper than n random B-tree inserts.
        # The duplicate checks above do not rely on them; rebuilding them checks uniqueness once more.
        rebuild = _drop_indexes(conn, pg) if n >= start - 1 else []
        _merge_totals(conn, _new_totals(ev, leaf_ids))
        cols = ["id", *EVAL_COLUMNS]
        values = [range(start, start + n), *(ev.columns[c] for c in EVAL_COLUMNS)]
        made = None
        if pg:  # the evaluations' COPY data is made by a thread while the server takes the leaf scores (below)
            pool = concurrent.futures.ThreadPoolExecutor(1)
            made = pool.submit(_binary_chunks, cols, values)
            pool.shutdown(wait=False)
        else:
            cur = raw.cursor()
            cur.executemany(f"INSERT INTO evaluation ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            zip(*values, strict=True))
            cur.close()
        if ev.scores is not None and len(leaf_ids):
            order = np.argsort(np.asarray(leaf_ids), kind="stable")  # rows written in primary-key order
            lids = np.asarray(leaf_ids, dtype=np.int64)[order]
            scores = ev.scores[:, order]
            if pg:
                _copy_leaf_matrix(raw, start, lids, scores)
            else:
                _sqlite_leaf_matrix(raw, start, lids, scores)
        elif ev.triples:
            rows = sorted((start + r, leaf_ids[k], s) for r, k, s in ev.triples)
            _write_rows(raw, pg, "leaf_score", ["evaluation_id", "leaf_id", "score_e4"], rows)
        if made is not None:
            _copy_binary(raw, "evaluation", cols, made.result())
        for table, items in (("review_discrepancy", ev.discrepancies), ("evidence_citation", ev.evidence)):
            if items:
                _write_rows(raw, pg, table, ["evaluation_id", "seq", "code", "detail"],
                            [(start + r, *rest) for r, *rest in items])
        for sql in rebuild:
            conn.exec_driver_sql(sql)
        if rebuild and pg:  # indexes made anew carry no statistics: without them the planner misjudges the reads
            conn.exec_driver_sql("ANALYZE evaluation, leaf_score")
        if pg:
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
        ls = leaf_scores.c
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
                    for t in (evaluation, leaf, leaf_score, discrepancy, evidence)}

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


_BULK_TABLES = ("evaluation", "leaf_score")

Totals = dict[tuple, list]
"""(pack, year, kind, department, region, leaf_id) → [scored, score_sum_e4, lost_sum_e4 or None, below_standard]."""


def _add_total(out: Totals, key: tuple, scored: int, score_sum: int, lost: int | None, below: int) -> None:
    t = out.get(key)
    if t is None:
        out[key] = [scored, score_sum, lost, below]
        return
    t[0] += scored
    t[1] += score_sum
    t[2] = None if t[2] is None or lost is None else t[2] + lost
    t[3] += below


def _new_totals(ev: Evaluations, leaf_ids: Sequence[int]) -> Totals:
    """The ``leaf_total`` sums of the evaluations about to be inserted: from the score matrix by numpy
    (one stable sort of the rows by their group, then integer sums per group and leaf), or from the
    (row, leaf, score) triples of documents."""
    cols = ev.columns
    groups: dict[tuple, int] = {}
    g = np.fromiter((groups.setdefault(k, len(groups)) for k in zip(*(cols[c] for c in AGGREGATE_KEY), strict=True)),
                    dtype=np.int64, count=ev.n)
    keys = list(groups)
    out: Totals = {}
    stds = [k[3] for k in ev.leaf_keys]
    if ev.scores is not None:
        order = np.argsort(g, kind="stable")
        gs = g[order]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        counts = np.diff(np.r_[starts, len(gs)]).tolist()
        which = gs[starts].tolist()
        for c, lid in enumerate(leaf_ids):
            col = ev.scores[:, c][order]
            sums = np.add.reduceat(col, starts).tolist()
            std = stds[c]
            below = (np.add.reduceat((col < std).astype(np.int64), starts).tolist() if std is not None
                     else [0] * len(starts))
            for j, gi in enumerate(which):
                _add_total(out, (*keys[gi], lid), counts[j], sums[j],
                           None if std is None else counts[j] * std - sums[j], below[j])
    else:
        rows = g.tolist()
        for r, k, score in ev.triples:
            std = stds[k]
            _add_total(out, (*keys[rows[r]], leaf_ids[k]), 1, score, None if std is None else std - score,
                       int(std is not None and score < std))
    return out


def _archived_totals(conn: sa.Connection, ids: Sequence[int], *, sign: int) -> Totals:
    """The ``leaf_total`` sums of archived evaluations (by id), times ``sign``: one GROUP BY over their leaf rows."""
    e, s, lf = evaluation.c, leaf_score.c, leaf.c
    out: Totals = {}
    q = (sa.select(e.pack, e.year, e.kind, e.department, e.region, s.leaf_id, sa.func.count(), sa.func.sum(s.score_e4),
                   sa.func.sum(lf.standard_e4 - s.score_e4),
                   sa.func.sum(sa.case((s.score_e4 < lf.standard_e4, 1), else_=0)))
         .select_from(leaf_score.join(evaluation, e.id == s.evaluation_id).join(leaf, lf.id == s.leaf_id))
         .group_by(e.pack, e.year, e.kind, e.department, e.region, s.leaf_id))
    for chunk in _chunks(list(ids), 500):
        for *key, scored, score_sum, lost, below in conn.execute(q.where(s.evaluation_id.in_(chunk))):
            _add_total(out, tuple(key), sign * int(scored), sign * int(score_sum),
                       None if lost is None else sign * int(lost), sign * int(below or 0))
    return out


def _merge_totals(conn: sa.Connection, deltas: Totals) -> None:
    """Add these sums to ``leaf_total``: per portfolio (pack, year, kind) touched, its rows are read, summed
    with the deltas and written back, rows whose count is 0 left out. Runs in the write transaction (one
    writer at a time: SQLite BEGIN IMMEDIATE, PostgreSQL the lock on evaluation)."""
    lt = leaf_total.c
    by_portfolio: dict[tuple, Totals] = {}
    for key, d in deltas.items():
        by_portfolio.setdefault(key[:3], {})[key] = d
    for (pack, year, kind), part in sorted(by_portfolio.items(), key=lambda kv: repr(kv[0])):
        where = sa.and_(lt.pack == pack, lt.year.is_not_distinct_from(year), lt.kind == kind)
        merged: Totals = {}
        for dept, region, lid, scored, score_sum, lost, below in conn.execute(
                sa.select(lt.department, lt.region, lt.leaf_id, lt.scored, lt.score_sum_e4, lt.lost_sum_e4,
                          lt.below_standard).where(where)):
            _add_total(merged, (pack, year, kind, dept, region, lid), int(scored), int(score_sum),
                       None if lost is None else int(lost), int(below))
        for key, d in part.items():
            _add_total(merged, key, *d)
        conn.execute(leaf_total.delete().where(where))
        rows = [dict(zip((*AGGREGATE_KEY, "leaf_id", "scored", "score_sum_e4", "lost_sum_e4", "below_standard"),
                         (*key, *t), strict=True)) for key, t in merged.items() if t[0]]
        if rows:
            conn.execute(sa.insert(leaf_total), rows)


def _drop_indexes(conn: sa.Connection, pg: bool) -> list[str]:
    """Drop what a bulk load would otherwise maintain row by row; returns the statements that make it again.

    SQLite: the named secondary indexes of ``evaluation`` (its UNIQUE constraints are automatic indexes,
    which SQLite cannot drop; ``leaf_score`` is a WITHOUT ROWID table, its key is the table). PostgreSQL:
    the unique constraints and secondary indexes of ``evaluation`` (its primary key stays: the citation
    tables refer to it) and the primary key of ``leaf_score``."""
    if not pg:
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('evaluation', 'leaf_score') "
            "AND sql IS NOT NULL ORDER BY name").all()
        for name, _ in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    cons = conn.exec_driver_sql(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE pg_table_is_visible(t.oid) AND t.relname IN ('evaluation', 'leaf_score') AND "
        "(c.contype = 'u' OR (c.contype = 'p' AND t.relname = 'leaf_score')) ORDER BY t.relname, c.conname").all()
    idx = conn.exec_driver_sql(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t "
        "ON t.oid = i.indrelid WHERE pg_table_is_visible(t.oid) AND t.relname IN ('evaluation', 'leaf_score') "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1").all()
    for table, name, _ in cons:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in idx:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in cons] + [
        definition for _, definition in idx]


def _first_of_each(digests: Sequence[str]) -> list[int]:
    """Positions of the first occurrence of each digest."""
    if len(set(digests)) == len(digests):  # the usual case, without a Python step per row
        return list(range(len(digests)))
    seen: set[str] = set()
    out = []
    for i, d in enumerate(digests):
        if d not in seen:
            seen.add(d)
            out.append(i)
    return out


def _write_rows(raw, pg: bool, table: str, cols: list[str], rows: Sequence[tuple]) -> None:
    """A few rows: COPY text on PostgreSQL, executemany on SQLite."""
    if pg:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for chunk in _chunks(rows, 50_000):
                copy.write("".join(_copy_line(row) for row in chunk).encode("utf-8"))
    else:
        cur = raw.cursor()
        cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
        cur.close()


_INT_WIDTHS = {"id": 4, "year": 4, "total_e4": 8, "score_places": 4}
"""Integer columns of ``evaluation`` and their width in PostgreSQL's binary COPY (int4, int8)."""


def _binary_chunks(cols: list[str], values: list[Sequence[Any]]) -> list[bytes]:
    """Columns as PostgreSQL binary COPY data (header, rows, trailer), in buffers of CHUNK rows built by
    numpy from Arrow's string buffers (no Python step per cell): the server copies each text field as it
    is instead of parsing CSV. Text fields are UTF-8 (the server checks them); NULL is length -1."""
    import pyarrow as pa

    n = len(values[0])
    out = [b"PGCOPY\n\xff\r\n\x00" + bytes(8)]
    nf = np.array([len(cols)], dtype=">i2").view(np.uint8)
    for s in range(0, n, CHUNK):
        m = min(CHUNK, n - s)
        fields = []  # (lengths or -1, payload bytes, payload offsets or None)
        for c, v in zip(cols, values, strict=True):
            if c in _INT_WIDTHS:
                ints = (np.arange(v.start + s, v.start + s + m, dtype=np.int64) if isinstance(v, range)
                        else np.array([0 if x is None else x for x in v[s:s + m]], dtype=np.int64))
                lens = np.full(m, _INT_WIDTHS[c], dtype=np.int64)
                if not isinstance(v, range):
                    lens[[i for i, x in enumerate(v[s:s + m]) if x is None]] = -1
                data = ints.astype(">i4" if _INT_WIDTHS[c] == 4 else ">i8").view(np.uint8)
                offs = np.arange(m + 1, dtype=np.int64) * _INT_WIDTHS[c]
            else:
                arr = pa.array(list(v[s:s + m]), pa.string())
                _, ob, db = arr.buffers()
                offs = np.frombuffer(ob, dtype=np.int32, count=m + 1, offset=arr.offset * 4).astype(np.int64)
                data = (np.frombuffer(db, dtype=np.uint8) if db is not None and db.size
                        else np.zeros(0, dtype=np.uint8))
                lens = np.diff(offs)
                if arr.null_count:
                    lens[arr.is_null().to_numpy(zero_copy_only=False)] = -1
            fields.append((lens, data, offs))
        size = np.full(m, 2, dtype=np.int64)  # the field count, then per field its length and bytes
        for lens, _, _ in fields:
            size += 4 + np.maximum(lens, 0)
        start = np.zeros(m, dtype=np.int64)
        np.cumsum(size[:-1], out=start[1:])
        buf = np.empty(int(start[-1] + size[-1]), dtype=np.uint8)
        buf[start[:, None] + np.arange(2)] = nf
        pos = start + 2
        four = np.arange(4)
        for lens, data, offs in fields:
            buf[pos[:, None] + four] = lens.astype(">i4").view(np.uint8).reshape(m, 4)
            body = np.maximum(lens, 0)
            total = int(body.sum())
            if total:
                before = np.cumsum(np.r_[0, body[:-1]])  # payload bytes of the rows before each row
                k = np.arange(total, dtype=np.int64)
                dest = k + np.repeat(pos + 4 - before, body)
                src = k + np.repeat(offs[:-1] - before, body)
                buf[dest] = data[src]
            pos = pos + 4 + body
        out.append(buf.tobytes())
    out.append(b"\xff\xff")
    return out


def _copy_binary(raw, table: str, cols: list[str], chunks: list[bytes]) -> None:
    """Binary COPY data (:func:`_binary_chunks`) into PostgreSQL."""
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT binary)") as copy:
        for buf in chunks:
            copy.write(buf)


_LEAF_RECORD = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("eid", ">i4"), ("l2", ">i4"), ("lid", ">i4"), ("l3", ">i4"),
                         ("score", ">i8")])
"""One leaf_score row in PostgreSQL's binary COPY format: 3 fields, int4 evaluation_id, int4 leaf_id, int8 score."""


def _copy_leaf_matrix(raw, start: int, lids: np.ndarray, scores: np.ndarray) -> None:
    """Leaf scores into PostgreSQL by binary COPY, the rows built by numpy (no Python object per score)."""
    n, width = scores.shape
    with raw.cursor() as cur, cur.copy("COPY leaf_score (evaluation_id, leaf_id, score_e4) FROM STDIN "
                                       "(FORMAT binary)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
        for s in range(0, n, CHUNK):
            blk = scores[s:s + CHUNK]
            rec = np.empty(blk.size, dtype=_LEAF_RECORD)
            rec["nf"], rec["l1"], rec["l2"], rec["l3"] = 3, 4, 4, 8
            rec["eid"] = np.repeat(np.arange(start + s, start + s + len(blk), dtype=np.int64), width)
            rec["lid"] = np.tile(lids, len(blk))
            rec["score"] = blk.ravel()
            copy.write(rec.tobytes())
        copy.write(b"\xff\xff")


def _sqlite_leaf_matrix(raw, start: int, lids: np.ndarray, scores: np.ndarray) -> None:
    """Leaf scores into SQLite: one INSERT … SELECT over json_each per CHUNK evaluations, so that the
    rows are made by SQLite itself (no Python tuple per score), in primary-key order."""
    n, width = scores.shape
    cur = raw.cursor()
    if (lids == lids[0] + np.arange(width)).all():
        sql = ("INSERT INTO leaf_score (evaluation_id, leaf_id, score_e4) "
               f"SELECT ? + a.key / {width}, ? + a.key % {width}, a.value FROM json_each(?) a")
        first = int(lids[0])
    else:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS jixiao_leaf_map (k INTEGER PRIMARY KEY, leaf_id INTEGER NOT NULL)")
        cur.execute("DELETE FROM jixiao_leaf_map")
        cur.executemany("INSERT INTO jixiao_leaf_map VALUES (?, ?)", enumerate(lids.tolist()))
        sql = ("INSERT INTO leaf_score (evaluation_id, leaf_id, score_e4) "
               f"SELECT ? + a.key / {width}, 0 * ? + m.leaf_id, a.value FROM json_each(?) a "
               f"JOIN jixiao_leaf_map m ON m.k = a.key % {width}")
        first = 0
    for s in range(0, n, CHUNK):  # one flat array per chunk: parsed once (a nested one parses each row twice)
        cur.execute(sql, (start + s, first, _json_ints(scores[s:s + CHUNK])))
    cur.close()


def _json_ints(a: np.ndarray) -> str:
    """A flat JSON array of these integers, written by Arrow (≈ 2.5× json.dumps of a Python list)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(a.ravel()).cast(pa.string())
    one = pa.ListArray.from_arrays(pa.array([0, len(text)], pa.int32()), text)
    return "[" + pc.binary_join(one, ",")[0].as_py() + "]"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row: Sequence[Any]) -> str:
    """One row in PostgreSQL's COPY text format (tab-separated, \\N for NULL, escapes for text)."""
    return "\t".join("\\N" if v is None else str(v) if isinstance(v, int) else str(v).translate(_COPY_ESCAPES)
                     for v in row) + "\n"


def _chunks(seq: Sequence, n: int) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
