"""Confidence self-assessment before and after the course (issue 12 item 7)

One row per learner, course and phase ("before" or "after"): {module id: level 1-5}. Trainers see only
totals of at least five learners; nothing here is graded or sent to the platform.

Revision ID: consistency_1
Revises: learning_c1
Create Date: 2026-12-02 10:05:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


# revision identifiers, used by Alembic.
revision = 'consistency_1'
down_revision = 'learning_c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_self_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=10), nullable=False),
    sa.Column('package_id', sa.String(length=100), nullable=False),
    sa.Column('package_version', sa.String(length=40), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', lti_tool.db.UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', lti_tool.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['lti_context.id'], name=op.f('fk_learning_self_assessment_context_id_lti_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'], name=op.f('fk_learning_self_assessment_user_id_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_self_assessment')),
    sa.UniqueConstraint('context_id', 'user_id', 'phase', name=op.f('uq_learning_self_assessment_context_id_user_id_phase'))
    )


def downgrade():
    op.drop_table('learning_self_assessment')
