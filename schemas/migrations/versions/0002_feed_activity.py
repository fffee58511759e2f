"""feed activity, permanent errors, problems, sitemap parents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import schemas.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('permanent_error_streak', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_problems', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('poll_history', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('last_new_entry_at', schemas.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('usual_gap_seconds', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('stale', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_feeds_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_feeds_parent_id_feeds'), 'feeds', ['parent_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feeds_parent_id_feeds'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feeds_parent_id'))
        batch_op.drop_column('stale')
        batch_op.drop_column('usual_gap_seconds')
        batch_op.drop_column('last_new_entry_at')
        batch_op.drop_column('poll_history')
        batch_op.drop_column('last_problems')
        batch_op.drop_column('permanent_error_streak')
        batch_op.drop_column('parent_id')
