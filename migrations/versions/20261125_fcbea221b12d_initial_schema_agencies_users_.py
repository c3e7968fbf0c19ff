"""initial schema: agencies, users, applicants, cases, events, files

Revision ID: fcbea221b12d
Revises: 
Create Date: 2026-11-25 16:27:01.914905
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'fcbea221b12d'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('case_number_prefix', sa.String(length=40), nullable=False),
    sa.Column('is_oversight_office', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('intake_office_name', sa.String(length=200), nullable=False),
    sa.Column('intake_address', sa.String(length=300), nullable=False),
    sa.Column('intake_postcode', sa.String(length=6), nullable=False),
    sa.Column('intake_phone', sa.String(length=40), nullable=False),
    sa.Column('intake_email', sa.String(length=200), nullable=False),
    sa.Column('intake_office_hours', sa.String(length=200), nullable=False),
    sa.Column('online_form_url', sa.String(length=500), nullable=False),
    sa.Column('reconsideration_body', sa.String(length=200), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=False),
    sa.Column('correction_period_working_days', sa.Integer(), nullable=False),
    sa.Column('fee_waiver_allowed', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['agencies.id'], name=op.f('fk_agencies_parent_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('name', name=op.f('uq_agencies_name'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_parent_id'), ['parent_id'], unique=False)

    op.create_table('applicants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applicant_type', sa.Enum('natural_person', 'legal_person', name='applicanttype', native_enum=False, length=20), nullable=False),
    sa.Column('organisation_type', sa.Enum('commercial_enterprise', 'research_institution', 'social_welfare_organisation', 'legal_service_organisation', 'other', name='organisationtype', native_enum=False, length=40), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_type', sa.Enum('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident_id', 'unified_social_credit_code', 'other', name='idtype', native_enum=False, length=40), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('id_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('contact_person', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicants'))
    )
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicants_id_fingerprint'), ['id_fingerprint'], unique=False)

    op.create_table('negative_list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('disclosed', 'partially_disclosed', 'withheld_state_secret', 'withheld_law_prohibits', 'withheld_security_stability', 'withheld_third_party', 'withheld_internal_affairs', 'withheld_process_info', 'withheld_enforcement_file', 'withheld_special_query', 'unavailable_not_held', 'unavailable_needs_creation', 'unavailable_still_unclear', 'not_processed_petition', 'not_processed_repeat', 'not_processed_publication', 'not_processed_excessive', 'not_processed_confirm_reissue', 'other_no_correction', 'other_fee_unpaid', 'other', name='outcome', native_enum=False, length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_negative_list_entries_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_negative_list_entries'))
    )
    with op.batch_alter_table('negative_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_negative_list_entries_agency_id'), ['agency_id'], unique=False)

    op.create_table('number_sequences',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_number_sequences_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', 'year', 'kind', name=op.f('pk_number_sequences'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_users_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_agency_id'), ['agency_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('calendar_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cases_recomputed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_calendar_changes_actor_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_changes'))
    )
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_changes_year'), ['year'], unique=False)

    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source_ref', sa.String(length=300), nullable=False),
    sa.Column('days_off', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('makeup_workdays', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_calendar_years_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('received', 'registered', 'under_review', 'awaiting_correction', 'in_handling', 'third_party_consultation', 'secrecy_review', 'awaiting_fee_payment', 'reason_requested', 'reply_drafted', 'replied', 'delivered', 'archived', 'withdrawn', 'closed_no_correction', 'closed_fee_unpaid', name='casestate', native_enum=False, length=40), nullable=False),
    sa.Column('channel', sa.Enum('in_person', 'post_signed', 'ordinary_mail', 'online', 'fax', 'email', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('case_number', sa.String(length=80), nullable=True),
    sa.Column('case_year', sa.Integer(), nullable=True),
    sa.Column('case_seq', sa.Integer(), nullable=True),
    sa.Column('tracking_code', sa.String(length=32), nullable=False),
    sa.Column('tracking_secret_hash', sa.String(length=64), nullable=False),
    sa.Column('requested_information', sa.Text(), nullable=False),
    sa.Column('description_hint', sa.Text(), nullable=False),
    sa.Column('delivery_form', sa.String(length=20), nullable=False),
    sa.Column('delivery_method', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_for_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('letter_arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt_date', sa.Date(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('due_provisional', sa.Boolean(), nullable=False),
    sa.Column('clock_state', sa.String(length=20), nullable=True),
    sa.Column('extended', sa.Boolean(), nullable=False),
    sa.Column('correction_requested', sa.Boolean(), nullable=False),
    sa.Column('correction_due_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('disclosed', 'partially_disclosed', 'withheld_state_secret', 'withheld_law_prohibits', 'withheld_security_stability', 'withheld_third_party', 'withheld_internal_affairs', 'withheld_process_info', 'withheld_enforcement_file', 'withheld_special_query', 'unavailable_not_held', 'unavailable_needs_creation', 'unavailable_still_unclear', 'not_processed_petition', 'not_processed_repeat', 'not_processed_publication', 'not_processed_excessive', 'not_processed_confirm_reissue', 'other_no_correction', 'other_fee_unpaid', 'other', name='outcome', native_enum=False, length=40), nullable=True),
    sa.Column('reply_reasons', sa.Text(), nullable=False),
    sa.Column('reply_legal_basis', sa.Text(), nullable=False),
    sa.Column('reply_details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('negative_list_entry_id', sa.Integer(), nullable=True),
    sa.Column('replied_on', sa.Date(), nullable=True),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_cases_agency_id_agencies')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_cases_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['negative_list_entry_id'], ['negative_list_entries.id'], name=op.f('fk_cases_negative_list_entry_id_negative_list_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('agency_id', 'case_year', 'case_seq', name='uq_cases_agency_year_seq'),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_cases_tracking_code'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_cases_agency_state_due', ['agency_id', 'state', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_receipt_date'), ['receipt_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('registrar', 'handler', 'approver', 'agency_admin', 'oversight', 'applicant', 'system', name='role', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_applicant', sa.Boolean(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.Enum('received', 'registered', 'under_review', 'awaiting_correction', 'in_handling', 'third_party_consultation', 'secrecy_review', 'awaiting_fee_payment', 'reason_requested', 'reply_drafted', 'replied', 'delivered', 'archived', 'withdrawn', 'closed_no_correction', 'closed_fee_unpaid', name='casestate', native_enum=False, length=40), nullable=True),
    sa.Column('to_state', sa.Enum('received', 'registered', 'under_review', 'awaiting_correction', 'in_handling', 'third_party_consultation', 'secrecy_review', 'awaiting_fee_payment', 'reason_requested', 'reply_drafted', 'replied', 'delivered', 'archived', 'withdrawn', 'closed_no_correction', 'closed_fee_unpaid', name='casestate', native_enum=False, length=40), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.Enum('registrar', 'handler', 'approver', 'agency_admin', 'oversight', 'applicant', 'system', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_case_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_idempotency_keys_case_id_cases')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_case_id'))

    op.drop_table('notes')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_case_id'))

    op.drop_table('attachments')
    op.drop_table('user_roles')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_state'))
        batch_op.drop_index(batch_op.f('ix_cases_receipt_date'))
        batch_op.drop_index(batch_op.f('ix_cases_outcome'))
        batch_op.drop_index(batch_op.f('ix_cases_due_on'))
        batch_op.drop_index(batch_op.f('ix_cases_channel'))
        batch_op.drop_index(batch_op.f('ix_cases_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_cases_applicant_id'))
        batch_op.drop_index('ix_cases_agency_state_due')
        batch_op.drop_index(batch_op.f('ix_cases_agency_id'))

    op.drop_table('cases')
    op.drop_table('calendar_years')
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_changes_year'))

    op.drop_table('calendar_changes')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_agency_id'))

    op.drop_table('users')
    op.drop_table('number_sequences')
    with op.batch_alter_table('negative_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_negative_list_entries_agency_id'))

    op.drop_table('negative_list_entries')
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_id_fingerprint'))

    op.drop_table('applicants')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_parent_id'))

    op.drop_table('agencies')
