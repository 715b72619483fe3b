// The migrate diff property test (property-run.ts) on duckdb; one file per engine so that CI's two workers share them.
import { describeEngines } from '../../helpers/engines.js';
import { propertyTest } from './property-run.js';

describeEngines('migrate diff property', (fx) => propertyTest(fx, 100), ['duckdb']);
