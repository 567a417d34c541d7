import { sql, type Kysely, type ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../db.ts';

type Col = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function migration0001(dialect: Dialect) {
  const pg = dialect === 'postgres';
  const idType = pg ? 'bigserial' : 'integer';
  const idCol: Col = pg ? (c) => c.primaryKey() : (c) => c.primaryKey().autoIncrement();
  const blob = pg ? 'bytea' : 'blob';
  const big = pg ? 'bigint' : 'integer';
  const notNull: Col = (c) => c.notNull();
  const int0: Col = (c) => c.notNull().defaultTo(0);

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('organizations').addColumn('id', idType, idCol).addColumn('name', 'text', notNull).addColumn('created', 'text', notNull).execute();
      await db.schema
        .createTable('spaces')
        .addColumn('id', idType, idCol)
        .addColumn('organization_id', big, notNull)
        .addColumn('name', 'text', notNull)
        .addColumn('description', 'text')
        .addColumn('is_default', 'integer', int0)
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', idType, idCol)
        .addColumn('organization_id', big, notNull)
        .addColumn('email', 'text', notNull)
        .addColumn('name', 'text', notNull)
        .addColumn('role', 'text', notNull)
        .addColumn('password_hash', 'text')
        .addColumn('disabled', 'integer', int0)
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .execute();
      await db.schema.createIndex('users_email').unique().on('users').column('email').execute();
      await db.schema
        .createTable('space_members')
        .addColumn('space_id', big, notNull)
        .addColumn('user_id', big, notNull)
        .addColumn('created', 'text', notNull)
        .addPrimaryKeyConstraint('space_members_pk', ['space_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', idType, idCol)
        .addColumn('user_id', big, notNull)
        .addColumn('key_id', 'text', notNull)
        .addColumn('secret_hash', 'text', notNull)
        .addColumn('last4', 'text', notNull)
        .addColumn('description', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('created', 'text', notNull)
        .execute();
      await db.schema.createIndex('api_keys_secret_hash').unique().on('api_keys').column('secret_hash').execute();
      await db.schema
        .createTable('ui_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', big, notNull)
        .addColumn('csrf_token', 'text', notNull)
        .addColumn('expires_at', 'text', notNull)
        .addColumn('created', 'text', notNull)
        .execute();
      await db.schema
        .createTable('agents')
        .addColumn('id', idType, idCol)
        .addColumn('space_id', big, notNull)
        .addColumn('user_id', big)
        .addColumn('name', 'text', notNull)
        .addColumn('description', 'text')
        .addColumn('documentation', 'text')
        .addColumn('config_type', 'text', (c) => c.notNull().defaultTo('Agent'))
        .addColumn('spec', 'text', notNull)
        .addColumn('version', 'integer', notNull)
        .addColumn('archived', 'integer', int0)
        .addColumn('validation_status', 'text', (c) => c.notNull().defaultTo('Valid'))
        .addColumn('last_run_status', 'integer')
        .addColumn('max_concurrent_runs', 'integer')
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .addColumn('last_activity', 'text', notNull)
        .execute();
      await db.schema.createIndex('agents_space').on('agents').column('space_id').execute();
      await db.schema
        .createTable('agent_versions')
        .addColumn('agent_id', big, notNull)
        .addColumn('version', 'integer', notNull)
        .addColumn('spec', 'text', notNull)
        .addColumn('user_name', 'text')
        .addColumn('comments', 'text')
        .addColumn('created', 'text', notNull)
        .addPrimaryKeyConstraint('agent_versions_pk', ['agent_id', 'version'])
        .execute();
      let runs = db.schema
        .createTable('runs')
        .addColumn('id', idType, idCol)
        .addColumn('agent_id', big, notNull)
        .addColumn('space_id', big, notNull)
        .addColumn('organization_id', big, notNull)
        .addColumn('status', 'integer', notNull)
        .addColumn('message', 'text')
        .addColumn('config_version', 'integer', notNull)
        .addColumn('spec', 'text', notNull)
        .addColumn('input_parameters', 'text')
        .addColumn('options', 'text', notNull)
        .addColumn('is_exclusive', 'integer', int0)
        .addColumn('parent_run_id', big)
        .addColumn('parallel_set', 'integer')
        .addColumn('sequence', 'integer', int0)
        .addColumn('started_by', 'text')
        .addColumn('schedule_id', big)
        .addColumn('created', 'text', notNull)
        .addColumn('start_time', 'text')
        .addColumn('end_time', 'text');
      for (const c of ['page_count', 'request_count', 'data_count', 'error_count', 'export_count', 'action_count', 'input_count', 'dynamic_page_count', 'attempt', 'control']) {
        runs = runs.addColumn(c, 'integer', int0);
      }
      await runs
        .addColumn('traffic', big, int0)
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('table_type', 'text', (c) => c.notNull().defaultTo('Runs'))
        .execute();
      await db.schema.createIndex('runs_agent').on('runs').columns(['agent_id', 'id']).execute();
      await db.schema.createIndex('runs_status').on('runs').columns(['status', 'id']).execute();
      await db.schema
        .createTable('run_requests')
        .addColumn('run_id', big, notNull)
        .addColumn('unique_key', 'text', notNull)
        .addColumn('url', 'text', notNull)
        .addColumn('kind', 'text', notNull)
        .addColumn('depth', 'integer', int0)
        .addColumn('page_number', 'integer', int0)
        .addColumn('user_data', 'text')
        .addColumn('state', 'text', notNull)
        .addColumn('attempts', 'integer', int0)
        .addColumn('last_error', 'text')
        .addColumn('seq', 'integer', notNull)
        .addColumn('updated', 'text', notNull)
        .addPrimaryKeyConstraint('run_requests_pk', ['run_id', 'unique_key'])
        .execute();
      await db.schema.createIndex('run_requests_state').on('run_requests').columns(['run_id', 'state', 'seq']).execute();
      await db.schema
        .createTable('run_records')
        .addColumn('id', idType, idCol)
        .addColumn('run_id', big, notNull)
        .addColumn('record_key', 'text', notNull)
        .addColumn('request_key', 'text', notNull)
        .addColumn('data', 'text', notNull)
        .addColumn('created', 'text', notNull)
        .execute();
      await db.schema.createIndex('run_records_key').unique().on('run_records').columns(['run_id', 'record_key']).execute();
      await db.schema
        .createTable('run_logs')
        .addColumn('id', idType, idCol)
        .addColumn('run_id', big, notNull)
        .addColumn('ts', 'text', notNull)
        .addColumn('level', 'text', notNull)
        .addColumn('message', 'text', notNull)
        .execute();
      await db.schema.createIndex('run_logs_run').on('run_logs').columns(['run_id', 'id']).execute();
      await db.schema
        .createTable('run_files')
        .addColumn('id', idType, idCol)
        .addColumn('run_id', big, notNull)
        .addColumn('name', 'text', notNull)
        .addColumn('file_type', 'text', notNull)
        .addColumn('kind', 'text', notNull)
        .addColumn('size', big, int0)
        .addColumn('content', blob)
        .addColumn('created', 'text', notNull)
        .execute();
      await db.schema.createIndex('run_files_run').on('run_files').columns(['run_id']).execute();
      await db.schema
        .createTable('builder_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', big, notNull)
        .addColumn('space_id', big, notNull)
        .addColumn('status', 'text', notNull)
        .addColumn('phase', 'text', notNull)
        .addColumn('mode', 'text', notNull)
        .addColumn('prompt', 'text')
        .addColumn('url', 'text')
        .addColumn('state', 'text', notNull)
        .addColumn('agent_id', big)
        .addColumn('agent_name', 'text')
        .addColumn('error', 'text')
        .addColumn('last_event_index', 'integer', (c) => c.notNull().defaultTo(-1))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .execute();
      await db.schema
        .createTable('builder_events')
        .addColumn('session_id', 'text', notNull)
        .addColumn('event_index', 'integer', notNull)
        .addColumn('type', 'text', notNull)
        .addColumn('payload', 'text', notNull)
        .addColumn('created', 'text', notNull)
        .addPrimaryKeyConstraint('builder_events_pk', ['session_id', 'event_index'])
        .execute();
      await db.schema
        .createTable('schedules')
        .addColumn('id', idType, idCol)
        .addColumn('agent_id', big, notNull)
        .addColumn('name', 'text', notNull)
        .addColumn('schedule_type', 'integer', notNull)
        .addColumn('cron_expression', 'text')
        .addColumn('timezone', 'text', notNull)
        .addColumn('start_time', 'text')
        .addColumn('run_every_count', 'integer')
        .addColumn('run_every_period', 'integer')
        .addColumn('is_enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('options', 'text', notNull)
        .addColumn('next_run_at', 'text')
        .addColumn('last_run_at', 'text')
        .addColumn('anchor', 'text', notNull)
        .addColumn('created', 'text', notNull)
        .addColumn('updated', 'text', notNull)
        .execute();
      await db.schema.createIndex('schedules_due').on('schedules').columns(['is_enabled', 'next_run_at']).execute();
      await db.schema
        .createTable('schedule_fires')
        .addColumn('schedule_id', big, notNull)
        .addColumn('slot_time', 'text', notNull)
        .addColumn('run_id', big)
        .addColumn('outcome', 'text', notNull)
        .addColumn('created', 'text', notNull)
        .addPrimaryKeyConstraint('schedule_fires_pk', ['schedule_id', 'slot_time'])
        .execute();
      await db.schema.createTable('settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', notNull).execute();
      void sql;
    },
  };
}
