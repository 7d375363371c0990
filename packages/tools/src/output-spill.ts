import type { Sandbox } from '@kode/core';
import { countTextLines as countLines } from './text-replace';

/** What {@link spillLongText} returns. */
export interface SpilledText {
  /** The text to show: unchanged when short, else head + marker + tail. */
  text: string;
  /** Characters left out of `text` (0 when nothing was cut). */
  omittedChars: number;
  /** Absolute sandbox path of a file holding the full text, when it was cut and saved. */
  fullOutputPath?: string;
}

/** Options of {@link spillLongText}. */
export interface SpillOptions {
  sandbox: Sandbox;
  /** The full text. */
  text: string;
  /** Characters to keep inline (head and tail together). */
  maxChars: number;
  /** Short name used in the spill file's prefix and the marker, e.g. `'stdout'`. */
  label: string;
}

const HEAD_SHARE = 0.4;


/** Moves `index` to just after a newline when one is near (within 20% of `span`), so cuts fall on line boundaries. */
function snapForward(text: string, index: number, span: number): number {
  const nl = text.indexOf('\n', index);
  return nl !== -1 && nl - index <= span * 0.2 ? nl + 1 : index;
}

function snapBackward(text: string, index: number, span: number): number {
  const nl = text.lastIndexOf('\n', index - 1);
  return nl !== -1 && index - nl <= span * 0.2 ? nl + 1 : index;
}

/**
 * Keeps at most `maxChars` of `text` inline: the first 40% and the last 60% (cut on line
 * boundaries when one is near), joined by a marker that says how many characters and lines were
 * cut and where the full text was saved. The full text goes to a new file from
 * `sandbox.fs.temp('kode-<label>-')`; if saving fails, the marker says so instead.
 * Never throws for a failed save. Short text comes back unchanged with `omittedChars: 0`.
 */
export async function spillLongText(options: SpillOptions): Promise<SpilledText> {
  const { sandbox, text, maxChars, label } = options;
  if (text.length <= maxChars) return { text, omittedChars: 0 };
  const headEnd = snapBackward(text, Math.floor(maxChars * HEAD_SHARE), maxChars);
  const tailStart = snapForward(text, text.length - (maxChars - headEnd), maxChars);
  const omitted = text.slice(headEnd, tailStart);
  let fullOutputPath: string | undefined;
  let saved: string;
  try {
    const path = `${await sandbox.fs.temp(`kode-${label}-`)}.txt`;
    await sandbox.fs.write(path, text);
    fullOutputPath = path;
    saved = `the full ${label} (${text.length} characters, ${countLines(text)} lines) is saved at ${path}; read it with fs_read (offset/limit) or search it with fs_grep`;
  } catch (error) {
    saved = `the full ${label} could not be saved (${error instanceof Error ? error.message : String(error)})`;
  }
  const marker = `\n[... ${omitted.length} characters (${countLines(omitted)} lines) of ${label} cut here; ${saved} ...]\n`;
  return {
    text: `${text.slice(0, headEnd)}${marker}${text.slice(tailStart)}`,
    omittedChars: omitted.length,
    ...(fullOutputPath === undefined ? {} : { fullOutputPath }),
  };
}
