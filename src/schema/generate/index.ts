/** `migrate diff`'s planner (issue #17): declaration vs live schema → the DDL steps, per engine. */
export { planSchemaChange } from './plan.js';
export type { PlanExclusion, PlanOptions, PlanRename, PlannedStep, RenameCandidate, SchemaChangePlan } from './types.js';
