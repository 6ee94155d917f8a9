import { readFile } from 'node:fs/promises';
import type { BenchSession } from '@loci/bench';
import { ConfigError } from '@loci/core';
import { z } from 'zod';

/**
 * A plain text / Markdown chat export: a `## <date>` header opens each session (`2024-03-14` or
 * `2024-03-14 18:30`, read as UTC), then one `Name: text` line per turn. A line that is neither
 * continues the turn above it; `#` titles and blank lines are skipped. Turn ids follow LoCoMo's
 * `D<session>:<turn>`, so answers can name the lines they came from.
 */
const headerPattern = /^##\s+(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?\s*$/;
const turnPattern = /^([^:#][^:]{0,59}):\s+(.*)$/;

const sessionDate = z
  .object({ date: z.iso.date(), time: z.iso.time({ precision: -1 }).optional() })
  .transform(({ date, time }) => new Date(`${date}T${time ?? '00:00'}:00Z`));
const turnLine = z.object({ speaker: z.string().trim().min(1), text: z.string().trim().min(1) });

export function parseMarkdownTranscript(text: string, name: string): BenchSession[] {
  const sessions: BenchSession[] = [];
  const fail = (line: number, message: string): never => {
    throw new ConfigError(`${name}:${line}: ${message}`, [{ path: `line ${line}`, message }]);
  };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === '' || /^#(?!#)/.test(line)) continue;
    const header = headerPattern.exec(line);
    if (header) {
      const at = sessionDate.safeParse({ date: header[1], time: header[2] });
      if (!at.success) fail(lineNumber, `"${line}" is not a real date (expected ## YYYY-MM-DD [HH:MM])`);
      sessions.push({ id: `session_${sessions.length + 1}`, at: at.data as Date, turns: [] });
      continue;
    }
    if (line.startsWith('##')) fail(lineNumber, `"${line}": a session header is ## YYYY-MM-DD [HH:MM]`);
    const session = sessions.at(-1);
    if (session === undefined) {
      fail(lineNumber, 'a turn before the first session header (## YYYY-MM-DD)');
      continue;
    }
    const match = turnPattern.exec(line);
    const previous = session.turns.at(-1);
    if (!match) {
      if (previous === undefined) fail(lineNumber, `expected "Name: text", got "${line}"`);
      else previous.text = `${previous.text}\n${line}`;
      continue;
    }
    const turn = turnLine.safeParse({ speaker: match[1], text: match[2] });
    if (!turn.success) fail(lineNumber, 'a turn needs a speaker and some text');
    const position = session.turns.length + 1;
    session.turns.push({
      ...(turn.data as z.output<typeof turnLine>),
      id: `D${sessions.length}:${position}`,
      sessionId: session.id,
      // One second apart keeps the order of turns within a session.
      at: new Date(session.at.getTime() + position * 1000),
    });
  }
  const empty = sessions.find((session) => session.turns.length === 0);
  if (sessions.length === 0) fail(1, 'no session header (## YYYY-MM-DD) found');
  if (empty) fail(1, `${empty.id} (${empty.at.toISOString().slice(0, 10)}) has no turns`);
  return sessions;
}

export async function readMarkdownTranscript(path: string): Promise<BenchSession[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the transcript ${path}`, [{ path, message: 'not readable' }], error);
  }
  return parseMarkdownTranscript(text, path);
}
