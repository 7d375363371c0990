import type { CaseContext } from '../types';

/**
 * Expected stdout of a command that prints `text`, accounting for line-splitting transports
 * (docs/contract.md, rule 4: with `exec.exactOutput: false` every line, the last one included, ends in `\n`).
 */
export function exactOr(ctx: Pick<CaseContext, 'capabilities'>, text: string): string {
  if (ctx.capabilities.exec.exactOutput || text === '' || text.endsWith('\n')) return text;
  return `${text}\n`;
}
