"""The archive's tables (SQLAlchemy Core), as of the newest schema revision.

Figures are kept twice where SQL must add them: the exact text the document prints (``total``) and
an integer in ten-thousandths (``total_e4``, ``score_e4`` …) so that sums and means computed by the
database are exact on SQLite as on PostgreSQL (SQLite has no exact decimal type).
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_HEAD = "0002"
"""The Alembic revision this jixiao writes; older archives are upgraded by ``jixiao archive upgrade``."""
SCHEMA_VERSIONS = {"0001": 1, "0002": 2}
SCALE = 4
"""Figures are stored as integers × 10^SCALE."""

metadata = sa.MetaData()

evaluation = sa.Table(
    "evaluation", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_sha256", sa.String(64), nullable=False, unique=True),
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
    sa.UniqueConstraint("pack", "project_id", "year", "kind", name="uq_evaluation_project_year_kind"),
    sa.Index("ix_evaluation_pack_year", "pack", "year"),
    sa.Index("ix_evaluation_department_year", "department", "year"),
    sa.Index("ix_evaluation_region_year", "region", "year"),
)

leaf_score = sa.Table(
    "leaf_score", metadata,
    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code", sa.String(50), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("standard_e4", sa.BigInteger),
    sa.Column("score_e4", sa.BigInteger, nullable=False),
    sa.Column("lost_e4", sa.BigInteger),
    sa.Index("ix_leaf_score_code", "code"),
)

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
