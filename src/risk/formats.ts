import { escapeData as ghEscapeData, escapeProperty as ghEscapeProp } from '../github-commands.js';
import { VERSION } from '../version.js';
import { RULES, ruleInfo } from './rules.js';
import type { Finding, Level } from './types.js';


const GH_COMMAND: Record<Level, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'notice' };

/** GitHub Actions workflow commands, one per unaccepted finding: `::error file=…,line=…,title=…::…`. */
export function githubAnnotations(findings: Finding[]): string[] {
  return findings
    .filter((f) => !f.accepted)
    .map((f) => {
      const props = [f.file ? `file=${ghEscapeProp(f.file)}` : '', `line=${f.line}`, `title=${ghEscapeProp(`${f.rule} (${f.level})`)}`].filter(Boolean).join(',');
      return `::${GH_COMMAND[f.level]} ${props}::${ghEscapeData(`${f.message}. Fix: ${f.advice}`)}`;
    });
}

const SARIF_LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
const SECURITY_SEVERITY: Record<Level, string> = { critical: '9.0', high: '7.0', medium: '5.0', low: '2.0' };

/** A SARIF 2.1.0 log for code-scanning upload. Accepted findings carry an in-source suppression. */
export function sarifLog(findings: Finding[]): Record<string, unknown> {
  const ids = Object.keys(RULES);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'eventdb',
            version: VERSION,
            informationUri: 'https://github.com/eventdb/eventdb#risk-rules',
            rules: ids.map((id) => {
              const r = ruleInfo(id)!;
              return { id, name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()), shortDescription: { text: r.title }, fullDescription: { text: r.why }, helpUri: `https://github.com/eventdb/eventdb#${id}`, properties: { engines: r.engines } };
            }),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: SARIF_LEVEL[f.level],
          message: { text: `${f.message}. Fix: ${f.advice}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: (f.file ?? f.migration).split('\\').join('/') }, region: { startLine: f.line } } }],
          partialFingerprints: { eventdbRisk: `${f.migration}/${f.direction}/${f.rule}/${f.line}` },
          properties: { riskLevel: f.level, migration: f.migration, direction: f.direction, 'security-severity': SECURITY_SEVERITY[f.level] },
          ...(f.accepted ? { suppressions: [{ kind: 'inSource', justification: f.accepted.reason }] } : {}),
        })),
      },
    ],
  };
}
