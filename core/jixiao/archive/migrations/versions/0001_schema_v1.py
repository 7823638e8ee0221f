"""Schema v1: evaluations, leaf scores in long form, review discrepancies, evidence citations.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation",
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
        sa.UniqueConstraint("pack", "project_id", "year", "kind", name="uq_evaluation_project_year_kind"),
    )
    op.create_index("ix_evaluation_pack_year", "evaluation", ["pack", "year"])
    op.create_table(
        "leaf_score",
        sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(50), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("standard_e4", sa.BigInteger),
        sa.Column("score_e4", sa.BigInteger, nullable=False),
        sa.Column("lost_e4", sa.BigInteger),
    )
    op.create_index("ix_leaf_score_code", "leaf_score", ["code"])
    for name in ("review_discrepancy", "evidence_citation"):
        op.create_table(
            name,
            sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("seq", sa.Integer, primary_key=True),
            sa.Column("code", sa.String(50)),
            sa.Column("detail", sa.Text, nullable=False),
        )


def downgrade() -> None:
    for name in ("evidence_citation", "review_discrepancy", "leaf_score", "evaluation"):
        op.drop_table(name)
