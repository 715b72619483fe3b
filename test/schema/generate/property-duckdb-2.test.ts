// The migrate diff property test (property-run.ts) on duckdb, second of two sequences of 50 steps (see property-duckdb.test.ts).
import { describeEngines } from '../../helpers/engines.js';
import { propertyTest } from './property-run.js';

describeEngines('migrate diff property', (fx) => propertyTest(fx, 50, 1), ['duckdb']);
