"""The person's requests about their record (see, correct, restrict, erase) with decisions and deadlines

Revision ID: casework_a1
Revises: hostile_3
Create Date: 2026-12-02 09:05:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


revision = 'casework_a1'
down_revision = 'hostile_3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_rights_request',
    sa.Column('client_id', sa.String(length=22), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('request_enc', sa.LargeBinary(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', lti_tool.db.UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('decision_enc', sa.LargeBinary(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', lti_tool.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.String(length=22), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['assessment_client.id'], name=op.f('fk_assessment_rights_request_client_id_assessment_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['lti_user.id'], name=op.f('fk_assessment_rights_request_decided_by_lti_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['assessment_organisation.id'], name=op.f('fk_assessment_rights_request_organisation_id_assessment_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['lti_user.id'], name=op.f('fk_assessment_rights_request_recorded_by_lti_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_rights_request'))
    )
    with op.batch_alter_table('assessment_rights_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_rights_request_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_rights_request_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_rights_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_rights_request_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_rights_request_client_id'))
    op.drop_table('assessment_rights_request')
