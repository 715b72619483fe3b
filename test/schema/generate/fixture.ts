import type { ExpectedColumn, ExpectedSchema, ExpectedTable } from '../../../src/schema/model.js';

/** A small declaration to plan from, edited by each test (a deep copy per call). */
export const col = (name: string, type: string, nullable = true, extra: Partial<ExpectedColumn> = {}): ExpectedColumn => ({
  name,
  family: type === 'bigint' ? 'integer' : (type as ExpectedColumn['family']),
  nullable,
  type,
  ...extra,
});

export function v1(): ExpectedSchema {
  const tables: ExpectedTable[] = [
    {
      name: 'registrations',
      required: true,
      columns: [col('id', 'integer', false), col('member_id', 'integer', false), col('event_id', 'integer', false), col('note', 'text')],
      primaryKey: ['id'],
      indexes: [{ name: 'registrations_member_idx', columns: ['member_id'] }],
      foreignKeys: [
        { columns: ['member_id'], references: { table: 'members', columns: ['id'] }, onDelete: 'CASCADE' },
        { columns: ['event_id'], references: { table: 'events', columns: ['id'] } },
      ],
    },
    {
      name: 'members',
      required: true,
      columns: [col('id', 'integer', false), col('email', 'text', false), col('name', 'text'), col('score', 'integer', true, { default: '0' })],
      primaryKey: ['id'],
    },
    { name: 'events', required: true, columns: [col('id', 'integer', false), col('title', 'text', false)], primaryKey: ['id'] },
    { name: 'tags', required: true, columns: [col('id', 'integer', false), col('label', 'text', false), col('color', 'text')], primaryKey: ['id'], indexes: [{ name: 'tags_label_idx', columns: ['label'] }] },
  ];
  return { formatVersion: 1, tables, rules: [] };
}

export function table(s: ExpectedSchema, name: string): ExpectedTable {
  const t = s.tables.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

export function column(s: ExpectedSchema, t: string, name: string): ExpectedColumn {
  const c = table(s, t).columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${t}.${name}`);
  return c;
}

/** Rows in every table of v1: 3 members, 2 events, 5 registrations, 2 tags. */
export const SEED = [
  `insert into members (id, email, name, score) values (1, 'a@x', 'Ann', 1), (2, 'b@x', 'Bob', 2), (3, 'c@x', 'Cy', 3)`,
  `insert into events (id, title) values (1, 'Opening'), (2, 'Closing')`,
  `insert into registrations (id, member_id, event_id, note) values (1, 1, 1, 'x'), (2, 2, 1, null), (3, 3, 2, 'y'), (4, 1, 2, null), (5, 2, 2, 'z')`,
  `insert into tags (id, label, color) values (1, 'music', 'red'), (2, 'talk', 'blue')`,
];
