"""Schema v2: the project's budget (for results use) and indexes for department/region comparisons.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluation") as batch:
        batch.add_column(sa.Column("budget", sa.String(40)))
    op.create_index("ix_evaluation_department_year", "evaluation", ["department", "year"])
    op.create_index("ix_evaluation_region_year", "evaluation", ["region", "year"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_region_year", "evaluation")
    op.drop_index("ix_evaluation_department_year", "evaluation")
    with op.batch_alter_table("evaluation") as batch:
        batch.drop_column("budget")
