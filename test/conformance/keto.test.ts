import { describe } from 'vitest';
import { buildKeto, type ConfEngine } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// ory/keto's migration history (popx: per-dialect up/down SQL files, empty files meaning "nothing here").
const EXPECT: Record<ConfEngine, string[]> = {
  postgres: ['relation: keto_relation_tuples r', 'relation: keto_uuid_mappings r', 'relation: networks r', 'constraint: keto_relation_tuples.keto_relation_tuples_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE', 'index: CREATE INDEX keto_relation_tuples_uuid_full_idx'],
  sqlite: ['table keto_relation_tuples ', 'table keto_uuid_mappings ', 'table networks ', 'index keto_relation_tuples_uuid_full_idx '],
};

for (const engine of ['postgres', 'sqlite'] as ConfEngine[]) {
  const src: Source = { name: `keto-${engine}`, engine, build: (dir) => buildKeto(engine, dir), reversible: true, expect: EXPECT[engine] };
  describe(`ory/keto migrations [${engine}]`, () => {
    const db = useDatabases(src);
    lifecycle(src, db);
    lint(src, db, engine === 'sqlite' ? ['unparsable-statement', 'unsupported-statement'] : ['unparsable-statement']);
  });
}
