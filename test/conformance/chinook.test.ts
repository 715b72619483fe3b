import { describe } from 'vitest';
import { buildChinook, type ConfEngine } from './helpers.js';
import { type Source, lifecycle, lint, useDatabases } from './suite.js';

// The Chinook sample database (schema + 15,607 rows), PostgreSQL and SQLite scripts, as two migrations.
const EXPECT: Record<ConfEngine, string[]> = {
  postgres: ['relation: invoice_line r', 'column: track.unit_price numeric(10,2) not null', 'constraint: track.track_genre_id_fkey FOREIGN KEY (genre_id) REFERENCES genre(genre_id)', 'index: CREATE INDEX track_genre_id_idx'],
  sqlite: ['table InvoiceLine ', 'table PlaylistTrack ', 'index IFK_TrackGenreId '],
};

for (const engine of ['postgres', 'sqlite'] as ConfEngine[]) {
  const src: Source = { name: `chinook-${engine}`, engine, build: (dir) => buildChinook(engine, dir), reversible: true, expect: EXPECT[engine] };
  describe(`Chinook sample database [${engine}]`, () => {
    const db = useDatabases(src);
    lifecycle(src, db);
    lint(src, db, engine === 'sqlite' ? ['unparsable-statement', 'unsupported-statement'] : ['unparsable-statement']);
  });
}
