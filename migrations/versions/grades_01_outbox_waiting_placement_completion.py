"""grade outbox: waiting_since (Canvas 422 for an unpublished assignment is waited for, not failed);
placements: completion (when a module counts as completed: quiz passed, or submitted)

Revision ID: grades01
Revises: a1c3d5e7f901
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


# revision identifiers, used by Alembic.
revision = 'grades01'
down_revision = 'a1c3d5e7f901'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grade_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', lti_tool.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table('learning_placement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion', sa.String(length=20), server_default='pass', nullable=False))


def downgrade():
    with op.batch_alter_table('learning_placement', schema=None) as batch_op:
        batch_op.drop_column('completion')
    with op.batch_alter_table('grade_outbox', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
