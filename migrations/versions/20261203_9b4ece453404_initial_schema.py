"""Initial schema: registry, accounts, bookings, waitlist, notifications.

Revision ID: 9b4ece453404
Revises:
Create Date: 2026-12-03

Reviewed by hand. On PostgreSQL, bookings also get the exclusion constraint that makes a
double allocation impossible whatever the application does (btree_gist is a trusted
extension, so the database owner may create it).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b4ece453404'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutions')),
    sa.UniqueConstraint('code', name=op.f('uq_institutions_code'))
    )
    op.create_table('campuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.CheckConstraint('lat BETWEEN -90 AND 90', name=op.f('ck_campuses_lat_range')),
    sa.CheckConstraint('lon BETWEEN -180 AND 180', name=op.f('ck_campuses_lon_range')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_campuses_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campuses'))
    )
    with op.batch_alter_table('campuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campuses_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_campuses_institution_id'), ['institution_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('calendar_key', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role IN ('researcher', 'lab_manager', 'institution_admin')) = (institution_id IS NOT NULL)", name=op.f('ck_users_institution_matches_role')),
    sa.CheckConstraint("role IN ('researcher', 'lab_manager', 'institution_admin', 'province_admin', 'service')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_users_institution_id_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('calendar_key', name=op.f('uq_users_calendar_key')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_institution_id'), ['institution_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('labs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campus_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['campus_id'], ['campuses.id'], name=op.f('fk_labs_campus_id_campuses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labs'))
    )
    with op.batch_alter_table('labs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_labs_campus_id'), ['campus_id'], unique=False)

    op.create_table('instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('resource', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('asset_no', sa.String(length=64), nullable=True),
    sa.Column('original_value_cny', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sharing', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.Column('max_minutes', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('approval', sa.String(length=16), nullable=False),
    sa.Column('requires_training', sa.Boolean(), nullable=False),
    sa.Column('no_show_grace_minutes', sa.Integer(), nullable=False),
    sa.Column('auto_release', sa.Boolean(), nullable=False),
    sa.Column('quota_hours_per_week', sa.Integer(), nullable=True),
    sa.Column('late_cancel_hours', sa.Integer(), nullable=False),
    sa.Column('internal_rate', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('external_rate', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("approval IN ('none', 'external', 'all')", name=op.f('ck_instruments_approval_known')),
    sa.CheckConstraint("kind IN ('general', 'special')", name=op.f('ck_instruments_kind_known')),
    sa.CheckConstraint("resource IN ('instrument', 'space')", name=op.f('ck_instruments_resource_known')),
    sa.CheckConstraint("sharing IN ('internal', 'province', 'public')", name=op.f('ck_instruments_sharing_known')),
    sa.CheckConstraint("status IN ('active', 'maintenance', 'retired')", name=op.f('ck_instruments_status_known')),
    sa.CheckConstraint('horizon_days > 0 AND buffer_minutes >= 0', name=op.f('ck_instruments_horizon_buffer_sane')),
    sa.CheckConstraint('internal_rate >= 0 AND external_rate >= 0', name=op.f('ck_instruments_rates_not_negative')),
    sa.CheckConstraint('original_value_cny >= 0', name=op.f('ck_instruments_value_not_negative')),
    sa.CheckConstraint('slot_minutes > 0 AND min_minutes > 0 AND max_minutes >= min_minutes', name=op.f('ck_instruments_durations_sane')),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_instruments_lab_id_labs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments'))
    )
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruments_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruments_lab_id'), ['lab_id'], unique=False)

    op.create_table('lab_managers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_managers_lab_id_labs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lab_managers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'lab_id', name=op.f('pk_lab_managers'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('start_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('purpose', sa.String(length=1000), nullable=True),
    sa.Column('rate_kind', sa.String(length=16), nullable=False),
    sa.Column('rate_per_hour', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('price_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status_reason', sa.String(length=1000), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_dt', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("rate_kind IN ('internal', 'external')", name=op.f('ck_bookings_rate_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'rejected', 'cancelled', 'completed', 'no_show')", name=op.f('ck_bookings_status_known')),
    sa.CheckConstraint('blocked_until_dt >= end_dt', name=op.f('ck_bookings_buffer_not_negative')),
    sa.CheckConstraint('end_dt > start_dt', name=op.f('ck_bookings_end_after_start')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bookings_decided_by_id_users')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_bookings_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_instrument_start', ['instrument_id', 'start_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('maintenance_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('start_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_dt > start_dt', name=op.f('ck_maintenance_windows_end_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_maintenance_windows_created_by_id_users')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_maintenance_windows_instrument_id_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_windows'))
    )
    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_windows_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_qualifications_granted_by_id_users')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_qualifications_instrument_id_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_qualifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications')),
    sa.UniqueConstraint('instrument_id', 'user_id', name='uq_qualifications_instrument_user')
    )
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualifications_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualifications_user_id'), ['user_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_notifications_booking_id_bookings')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_notifications_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('start_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('auto_book', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('served_dt', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'booked', 'notified', 'expired')", name=op.f('ck_waitlist_entries_status_known')),
    sa.CheckConstraint('end_dt > start_dt', name=op.f('ck_waitlist_entries_end_after_start')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_waitlist_entries_booking_id_bookings')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_waitlist_entries_instrument_id_instruments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_waitlist_entries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_user_id'), ['user_id'], unique=False)


    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(instrument_id WITH =, tstzrange(start_dt, blocked_until_dt, '[)') WITH &&) "
            "WHERE (status IN ('pending', 'confirmed'))"
        )

def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap")
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_user_id'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_instrument_id'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_qualifications_instrument_id'))

    op.drop_table('qualifications')
    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_windows_instrument_id'))

    op.drop_table('maintenance_windows')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_user_id'))
        batch_op.drop_index('ix_bookings_instrument_start')

    op.drop_table('bookings')
    op.drop_table('lab_managers')
    with op.batch_alter_table('instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruments_lab_id'))
        batch_op.drop_index(batch_op.f('ix_instruments_category'))

    op.drop_table('instruments')
    with op.batch_alter_table('labs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_labs_campus_id'))

    op.drop_table('labs')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_institution_id'))

    op.drop_table('users')
    with op.batch_alter_table('campuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campuses_institution_id'))
        batch_op.drop_index(batch_op.f('ix_campuses_city'))

    op.drop_table('campuses')
    op.drop_table('institutions')
