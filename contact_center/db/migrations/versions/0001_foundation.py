"""Foundation: every table of the platform, and the reference data.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 22:30:15.665776
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from contact_center.reference import catalog, districts

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call_types',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_call_types'))
    )
    op.create_table('calls',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('pbx_call_id', sa.String(length=200), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('agent', sa.String(length=64), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unanswered_reason', sa.String(length=20), nullable=True),
    sa.Column('transferred', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), sa.Computed("CASE WHEN answered_at IS NOT NULL THEN 'answered' WHEN unanswered_reason IS NOT NULL THEN unanswered_reason ELSE 'in_progress' END", persisted=True), nullable=False),
    sa.Column('wait_seconds', sa.Float(), sa.Computed('EXTRACT(EPOCH FROM (COALESCE(answered_at, CASE WHEN unanswered_reason IS NOT NULL THEN ended_at END) - enqueued_at))', persisted=True), nullable=True),
    sa.Column('talk_seconds', sa.Float(), sa.Computed('EXTRACT(EPOCH FROM (ended_at - answered_at))', persisted=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('pbx_call_id', name=op.f('uq_calls_pbx_call_id'))
    )
    op.create_index(op.f('ix_calls_caller'), 'calls', ['caller'], unique=False)
    op.create_index('ix_calls_enqueued_at', 'calls', ['enqueued_at'], unique=False)
    op.create_table('canned_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_responses'))
    )
    op.create_table('channels',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_channels'))
    )
    op.create_table('directions',
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_directions'))
    )
    op.create_table('districts',
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('area', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('economic_region', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    op.create_table('outcomes',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_outcomes'))
    )
    op.create_table('pbx_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('call_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller', sa.String(length=64), nullable=True),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('agent', sa.String(length=64), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pbx_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_pbx_events_event_id'))
    )
    op.create_index(op.f('ix_pbx_events_call_id'), 'pbx_events', ['call_id'], unique=False)
    op.create_table('rate_counters',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_counters'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('extension', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('extension', name=op.f('uq_users_extension')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('call_registrations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('call_id', sa.BigInteger(), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('citizen_name', sa.String(length=200), nullable=True),
    sa.Column('direction', sa.String(length=40), nullable=False),
    sa.Column('call_type', sa.String(length=40), nullable=False),
    sa.Column('district', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_call_registrations_agent_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_registrations_call_id_calls'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['call_type'], ['call_types.code'], name=op.f('fk_call_registrations_call_type_call_types')),
    sa.ForeignKeyConstraint(['channel'], ['channels.code'], name=op.f('fk_call_registrations_channel_channels')),
    sa.ForeignKeyConstraint(['direction'], ['directions.code'], name=op.f('fk_call_registrations_direction_directions')),
    sa.ForeignKeyConstraint(['district'], ['districts.code'], name=op.f('fk_call_registrations_district_districts')),
    sa.ForeignKeyConstraint(['outcome'], ['outcomes.code'], name=op.f('fk_call_registrations_outcome_outcomes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_registrations')),
    sa.UniqueConstraint('call_id', name=op.f('uq_call_registrations_call_id'))
    )
    op.create_index(op.f('ix_call_registrations_agent_id'), 'call_registrations', ['agent_id'], unique=False)
    op.create_index(op.f('ix_call_registrations_occurred_at'), 'call_registrations', ['occurred_at'], unique=False)
    op.create_index(op.f('ix_call_registrations_phone'), 'call_registrations', ['phone'], unique=False)
    op.create_table('conversations',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('contact_id', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=40), nullable=True),
    sa.Column('district', sa.String(length=40), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('handoff_reason', sa.String(length=32), nullable=True),
    sa.Column('handoff_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('low_confidence_streak', sa.SmallInteger(), nullable=False),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_agent_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_citizen_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('abandoned', sa.Boolean(), nullable=False),
    sa.Column('csat_score', sa.SmallInteger(), nullable=True),
    sa.Column('csat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_conversations_assigned_to_users')),
    sa.ForeignKeyConstraint(['channel'], ['channels.code'], name=op.f('fk_conversations_channel_channels')),
    sa.ForeignKeyConstraint(['direction'], ['directions.code'], name=op.f('fk_conversations_direction_directions')),
    sa.ForeignKeyConstraint(['district'], ['districts.code'], name=op.f('fk_conversations_district_districts')),
    sa.ForeignKeyConstraint(['outcome'], ['outcomes.code'], name=op.f('fk_conversations_outcome_outcomes')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_conversations_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    op.create_index('ix_conversations_contact', 'conversations', ['channel', 'contact_id'], unique=False)
    op.create_index('ix_conversations_created_at', 'conversations', ['created_at'], unique=False)
    op.create_index('ix_conversations_waiting', 'conversations', ['urgent', 'handoff_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('uq_conversations_live_contact', 'conversations', ['channel', 'contact_id'], unique=True, postgresql_where=sa.text("status <> 'resolved'"))
    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    op.create_table('callbacks',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('citizen_name', sa.String(length=200), nullable=True),
    sa.Column('district', sa.String(length=40), nullable=True),
    sa.Column('direction', sa.String(length=40), nullable=True),
    sa.Column('preferred_time', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('abandoned_call_id', sa.BigInteger(), nullable=True),
    sa.Column('conversation_id', sa.BigInteger(), nullable=True),
    sa.Column('registration_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['abandoned_call_id'], ['calls.id'], name=op.f('fk_callbacks_abandoned_call_id_calls')),
    sa.ForeignKeyConstraint(['claimed_by'], ['users.id'], name=op.f('fk_callbacks_claimed_by_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_callbacks_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['direction'], ['directions.code'], name=op.f('fk_callbacks_direction_directions')),
    sa.ForeignKeyConstraint(['district'], ['districts.code'], name=op.f('fk_callbacks_district_districts')),
    sa.ForeignKeyConstraint(['registration_id'], ['call_registrations.id'], name=op.f('fk_callbacks_registration_id_call_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    op.create_index('ix_callbacks_open_due', 'callbacks', ['due_at'], unique=False, postgresql_where=sa.text("status IN ('open','claimed')"))
    op.create_index(op.f('ix_callbacks_phone'), 'callbacks', ['phone'], unique=False)
    op.create_index('uq_callbacks_open_phone', 'callbacks', ['phone'], unique=True, postgresql_where=sa.text("status IN ('open','claimed')"))
    op.create_table('messages',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('conversation_id', sa.BigInteger(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('direction', sa.String(length=40), nullable=True),
    sa.Column('intent', sa.String(length=80), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('delivery_status', sa.String(length=10), nullable=True),
    sa.Column('delivery_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_messages_agent_id_users')),
    sa.ForeignKeyConstraint(['channel'], ['channels.code'], name=op.f('fk_messages_channel_channels')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['direction'], ['directions.code'], name=op.f('fk_messages_direction_directions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_messages_channel_external_id')
    )
    op.create_index(op.f('ix_messages_conversation_id'), 'messages', ['conversation_id'], unique=False)
    op.create_table('registration_changes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('registration_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['call_registrations.id'], name=op.f('fk_registration_changes_registration_id_call_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registration_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_changes'))
    )
    op.create_index(op.f('ix_registration_changes_registration_id'), 'registration_changes', ['registration_id'], unique=False)
    op.create_table('callback_attempts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('callback_id', sa.BigInteger(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_callback_attempts_agent_id_users')),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], name=op.f('fk_callback_attempts_callback_id_callbacks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempts'))
    )
    op.create_index(op.f('ix_callback_attempts_callback_id'), 'callback_attempts', ['callback_id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.Column('recipient_id', sa.String(length=200), nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['channel'], ['channels.code'], name=op.f('fk_outbox_channel_channels')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_outbox_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    seed_reference_data()


def downgrade() -> None:
    op.drop_index('ix_outbox_due', table_name='outbox', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('outbox')
    op.drop_index(op.f('ix_callback_attempts_callback_id'), table_name='callback_attempts')
    op.drop_table('callback_attempts')
    op.drop_index(op.f('ix_registration_changes_registration_id'), table_name='registration_changes')
    op.drop_table('registration_changes')
    op.drop_index(op.f('ix_messages_conversation_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index('uq_callbacks_open_phone', table_name='callbacks', postgresql_where=sa.text("status IN ('open','claimed')"))
    op.drop_index(op.f('ix_callbacks_phone'), table_name='callbacks')
    op.drop_index('ix_callbacks_open_due', table_name='callbacks', postgresql_where=sa.text("status IN ('open','claimed')"))
    op.drop_table('callbacks')
    op.drop_table('user_sessions')
    op.drop_index('uq_conversations_live_contact', table_name='conversations', postgresql_where=sa.text("status <> 'resolved'"))
    op.drop_index('ix_conversations_waiting', table_name='conversations', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_conversations_created_at', table_name='conversations')
    op.drop_index('ix_conversations_contact', table_name='conversations')
    op.drop_table('conversations')
    op.drop_index(op.f('ix_call_registrations_phone'), table_name='call_registrations')
    op.drop_index(op.f('ix_call_registrations_occurred_at'), table_name='call_registrations')
    op.drop_index(op.f('ix_call_registrations_agent_id'), table_name='call_registrations')
    op.drop_table('call_registrations')
    op.drop_table('users')
    op.drop_table('rate_counters')
    op.drop_index(op.f('ix_pbx_events_call_id'), table_name='pbx_events')
    op.drop_table('pbx_events')
    op.drop_table('outcomes')
    op.drop_table('districts')
    op.drop_table('directions')
    op.drop_table('channels')
    op.drop_table('canned_responses')
    op.drop_index('ix_calls_enqueued_at', table_name='calls')
    op.drop_index(op.f('ix_calls_caller'), table_name='calls')
    op.drop_table('calls')
    op.drop_table('call_types')


def seed_reference_data() -> None:
    """The catalogue as shipped (contact_center/reference); admins edit it later."""
    cat = catalog()
    for table, rows in (
        ("directions", cat["directions"]),
        ("call_types", cat["call_types"]),
        ("outcomes", cat["outcomes"]),
        ("channels", cat["channels"]),
    ):
        tbl = sa.table(
            table,
            sa.column("code"), sa.column("label"), sa.column("sort_order"), sa.column("active"),
            *([sa.column("description")] if table == "directions" else []),
        )
        op.bulk_insert(
            tbl,
            [
                {"code": r["code"], "label": r["label"], "sort_order": i, "active": True}
                | ({"description": r["description"]} if table == "directions" else {})
                for i, r in enumerate(rows)
            ],
        )
    tbl = sa.table(
        "districts",
        sa.column("code"), sa.column("label"), sa.column("short_name"), sa.column("area"),
        sa.column("kind"), sa.column("economic_region"), sa.column("sort_order"), sa.column("active"),
    )
    op.bulk_insert(
        tbl,
        [
            {
                "code": d["code"], "label": d["name"], "short_name": d["short_name"], "area": d["area"],
                "kind": d["kind"], "economic_region": d["economic_region"], "sort_order": i, "active": True,
            }
            for i, d in enumerate(districts())
        ],
    )
