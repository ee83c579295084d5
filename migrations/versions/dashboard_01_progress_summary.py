"""training_progress_summary: each learner's progress per course, kept on write, back-filled from existing rows

Revision ID: dashboard01
Revises: client_texts_01
Create Date: 2026-12-02 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dashboard01'
down_revision = 'client_texts_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'training_progress_summary',
        sa.Column('context_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('states', sa.Text(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['context_id'], ['lti_context.id'],
                                name=op.f('fk_training_progress_summary_context_id_lti_context'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'],
                                name=op.f('fk_training_progress_summary_user_id_lti_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('context_id', 'user_id', name=op.f('pk_training_progress_summary')),
    )
    op.create_index('ix_training_progress_summary_states', 'training_progress_summary', ['context_id', 'states'])
    # Back-fill from the progress rows already there, with the same code that keeps it on write.
    from lti_tool.training.summary import backfill

    backfill(op.get_bind())


def downgrade():
    op.drop_index('ix_training_progress_summary_states', table_name='training_progress_summary')
    op.drop_table('training_progress_summary')
