"""training roster: the course list as last read over NRPS, so a first dashboard view does not re-read it

Revision ID: perf01
Revises: consistency_1
Create Date: 2026-12-02 09:30:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


# revision identifiers, used by Alembic.
revision = 'perf01'
down_revision = 'consistency_1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'training_roster',
        sa.Column('context_id', sa.Integer(), nullable=False),
        sa.Column('members', sa.Text(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('complete', sa.Boolean(), server_default='1', nullable=False),
        sa.Column('fetched_at', lti_tool.db.UTCDateTime(), nullable=False),
        sa.Column('refresh_started_at', lti_tool.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['context_id'], ['lti_context.id'], name=op.f('fk_training_roster_context_id_lti_context'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('context_id', name=op.f('pk_training_roster')),
    )


def downgrade():
    op.drop_table('training_roster')
