"""Optional controller features: the legal-conditions field (with its recorded basis) and client self-access

Revision ID: casework_b1
Revises: casework_a1
Create Date: 2026-12-02 09:20:00

"""
from alembic import op
import sqlalchemy as sa

import lti_tool.db


revision = 'casework_b1'
down_revision = 'casework_a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_conditions_enabled', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('legal_conditions_basis', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('self_access_enabled', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('assessment_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_conditions_enc', sa.LargeBinary(), nullable=True))
    op.create_table('assessment_self_access',
    sa.Column('id', sa.String(length=22), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=22), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', lti_tool.db.UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', lti_tool.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', lti_tool.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('last_used_at', lti_tool.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['assessment_client.id'], name=op.f('fk_assessment_self_access_client_id_assessment_client'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['lti_user.id'], name=op.f('fk_assessment_self_access_created_by_lti_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['assessment_organisation.id'], name=op.f('fk_assessment_self_access_organisation_id_assessment_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['lti_user.id'], name=op.f('fk_assessment_self_access_revoked_by_lti_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_self_access')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_assessment_self_access_code_hash'))
    )
    with op.batch_alter_table('assessment_self_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_self_access_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_self_access_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_self_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_self_access_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_self_access_client_id'))
    op.drop_table('assessment_self_access')
    with op.batch_alter_table('assessment_client', schema=None) as batch_op:
        batch_op.drop_column('legal_conditions_enc')
    with op.batch_alter_table('assessment_organisation', schema=None) as batch_op:
        batch_op.drop_column('self_access_enabled')
        batch_op.drop_column('legal_conditions_basis')
        batch_op.drop_column('legal_conditions_enabled')
