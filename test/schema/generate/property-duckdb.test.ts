// The migrate diff property test (property-run.ts) on duckdb, first of two sequences of 50 steps (each diff
// replays every migration: two short sequences cost half of one long one); one file each so that CI's two workers share them.
import { describeEngines } from '../../helpers/engines.js';
import { propertyTest } from './property-run.js';

describeEngines('migrate diff property', (fx) => propertyTest(fx, 50, 0), ['duckdb']);
