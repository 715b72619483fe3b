export { seedDatabase, batched } from './run.js';
export { findSeedFile } from './custom.js';
export { Random, hashString } from './random.js';
export { shapeFor, parseProfile, REFERENCE_NOW } from './profiles.js';
export { defineSeed, PROFILES, type ProfileName, type SeedOptions, type SeedResult, type SeedTableResult, type SeedProgress, type SeedContext, type SeedFunction } from './types.js';
