"""The archive's tables (SQLAlchemy Core), as of the newest schema revision.

Figures are kept twice where SQL must add them: the exact text the document prints (``total``) and
an integer in ten-thousandths (``total_e4``, ``score_e4`` …) so that sums and means computed by the
database are exact on SQLite as on PostgreSQL (SQLite has no exact decimal type).
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_HEAD = "0005"
"""The Alembic revision this jixiao writes; older archives are upgraded by ``jixiao archive upgrade``."""
SCHEMA_VERSIONS = {"0001": 1, "0002": 2, "0003": 3, "0004": 4, "0005": 5}
SCALE = 4
"""Figures are stored as integers × 10^SCALE."""

metadata = sa.MetaData()

evaluation = sa.Table(
    "evaluation", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_sha256", sa.String(64), nullable=False),
    sa.Column("pack", sa.String(200), nullable=False),
    sa.Column("pack_version", sa.String(50)),
    sa.Column("project_id", sa.String(200), nullable=False),
    sa.Column("project_name", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("department", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("period", sa.Text),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("total", sa.String(40), nullable=False),
    sa.Column("total_e4", sa.BigInteger, nullable=False),
    sa.Column("score_places", sa.Integer, nullable=False),
    sa.Column("grade", sa.String(50)),
    sa.Column("config_sha256", sa.String(64)),
    sa.Column("source", sa.Text),
    sa.Column("document", sa.Text, nullable=False),
    # revision 0002
    sa.Column("budget", sa.String(40)),
    # revision 0003: one index for the comparisons (a portfolio's year and kind, by department)
    sa.Index("ix_evaluation_pack_year_kind_department", "pack", "year", "kind", "department"),
    # revision 0005: the two uniqueness rules as named unique indexes (a bulk load drops and rebuilds them)
    sa.Index("uq_evaluation_doc_sha256", "doc_sha256", unique=True),
    sa.Index("uq_evaluation_project_year_kind", "pack", "project_id", "year", "kind", unique=True),
)

leaf = sa.Table(
    "leaf", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("pack", sa.String(200), nullable=False),
    sa.Column("code", sa.String(50), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("standard_e4", sa.BigInteger),
    sa.Index("ix_leaf_pack_code", "pack", "code"),
)
"""Revision 0003: the leaves evaluations score — one row per distinct (pack, code, name, standard)."""

leaf_score = sa.Table(
    "leaf_score", metadata,
    sa.Column("evaluation_id", sa.Integer, primary_key=True),  # no foreign keys: see below
    sa.Column("leaf_id", sa.Integer, primary_key=True),
    sa.Column("score_e4", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)
"""Every leaf score in long form: (evaluation, leaf, score). No foreign keys (their per-row check would
double a bulk load): the store writes and deletes an evaluation's leaf rows in its transaction. The view ``leaf_scores`` joins in the
code, name, standard and points lost (standard − score)."""

leaf_total = sa.Table(
    "leaf_total", metadata,
    sa.Column("pack", sa.String(200), nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("department", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("leaf_id", sa.Integer, nullable=False),
    sa.Column("scored", sa.BigInteger, nullable=False),
    sa.Column("score_sum_e4", sa.BigInteger, nullable=False),
    sa.Column("lost_sum_e4", sa.BigInteger),
    sa.Column("below_standard", sa.BigInteger, nullable=False),
    sa.Index("ix_leaf_total_pack_year_kind_department", "pack", "year", "kind", "department"),
)
"""Revision 0004: the maintained aggregate of ``leaf_score`` per (pack, year, kind, department, region, leaf) —
count, sum of scores, sum of points lost (NULL without a standard), count below the standard. Kept by the
store in every write transaction; ``compare peers`` reads its points lost per indicator from it."""

AGGREGATE_KEY = ("pack", "year", "kind", "department", "region")
"""The evaluation columns ``leaf_total`` is grouped by (with the leaf)."""

leaf_scores = sa.table(
    "leaf_scores", sa.column("evaluation_id"), sa.column("code"), sa.column("name"), sa.column("standard_e4"),
    sa.column("score_e4"), sa.column("lost_e4"),
)
"""The view of revision 0003 (long form with names), for reading."""

discrepancy = sa.Table(
    "review_discrepancy", metadata,
    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(50)),
    sa.Column("detail", sa.Text, nullable=False),
)

evidence = sa.Table(
    "evidence_citation", metadata,
    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(50)),
    sa.Column("detail", sa.Text, nullable=False),
)
