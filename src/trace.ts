/**
 * EVENTDB_TRACE=1: a mark per phase of a run (`performance.mark('eventdb:<phase>')`), printed by the CLI
 * at exit (src/cli/trace.ts). Without it nothing is marked: Node's performance timeline, loaded on its
 * first use (~1 ms), stays unloaded.
 */
export const mark: (phase: string) => void = process.env.EVENTDB_TRACE === '1' ? (phase) => void performance.mark(`eventdb:${phase}`) : () => undefined;
