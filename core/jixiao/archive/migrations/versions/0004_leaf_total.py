"""Schema v4: the maintained aggregate ``leaf_total`` for whole-portfolio comparisons.

One row per (pack, year, kind, department, region, leaf): how many evaluations scored the leaf
(``scored``), the sum of their scores (``score_sum_e4``), the sum of points lost (``lost_sum_e4`` =
scored × standard − score_sum; NULL when the leaf has no standard) and how many scored below the
standard (``below_standard``) — exactly the figures ``compare peers`` reports per indicator, so that
it reads a few thousand rows instead of every leaf score of the portfolio. The store keeps it in the
write transaction (an add adds the new rows' sums, a replace subtracts the replaced rows' first; rows
whose count falls to 0 are deleted). The upgrade fills it from the archived rows.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FILL = """INSERT INTO leaf_total (pack, year, kind, department, region, leaf_id, scored, score_sum_e4, lost_sum_e4,
                        below_standard)
SELECT e.pack, e.year, e.kind, e.department, e.region, s.leaf_id, count(*), sum(s.score_e4),
       sum(l.standard_e4 - s.score_e4), sum(CASE WHEN s.score_e4 < l.standard_e4 THEN 1 ELSE 0 END)
FROM leaf_score s JOIN evaluation e ON e.id = s.evaluation_id JOIN leaf l ON l.id = s.leaf_id
GROUP BY e.pack, e.year, e.kind, e.department, e.region, s.leaf_id"""


def upgrade() -> None:
    op.create_table(
        "leaf_total",
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
    )
    op.create_index("ix_leaf_total_pack_year_kind_department", "leaf_total", ["pack", "year", "kind", "department"])
    op.execute(FILL)


def downgrade() -> None:
    raise NotImplementedError("schema v4 is not downgraded; restore the backup taken before the upgrade")
