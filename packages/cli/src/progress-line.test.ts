import { describe, expect, it } from 'vitest';
import { createProgressLine } from './progress-line.js';

function sink(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (text: string) => writes.push(text) } };
}

describe('createProgressLine', () => {
  it('prints a line per quarter when the output is not a terminal', () => {
    const { writes, stream } = sink(false);
    const line = createProgressLine(stream);
    for (let done = 1; done <= 100; done += 1) line.update({ label: 'ingesting', done, total: 100 });
    line.finish('ingested 100 turns');
    expect(writes).toHaveLength(6);
    expect(writes[0]).toBe(`ingesting [${'-'.repeat(24)}] 1/100\n`);
    expect(writes[4]).toBe(`ingesting [${'#'.repeat(24)}] 100/100\n`);
    expect(writes[5]).toBe('ingested 100 turns\n');
  });

  it('prints a new line when the label changes', () => {
    const { writes, stream } = sink(false);
    const line = createProgressLine(stream);
    line.update({ label: 'reading vectors' });
    line.update({ label: 'reading vectors' });
    line.update({ label: 'building graph' });
    expect(writes).toEqual(['reading vectors\n', 'building graph\n']);
  });

  it('redraws in place on a terminal and clears the line when done', () => {
    const { writes, stream } = sink(true);
    const line = createProgressLine(stream);
    line.update({ label: 'ingesting', done: 0, total: 10 });
    line.update({ label: 'ingesting', done: 10, total: 10 });
    line.finish('done');
    expect(writes.every((text, index) => index === writes.length - 1 || text.startsWith('\r'))).toBe(true);
    expect(writes.at(-2)).toBe('\r\x1b[2K');
    expect(writes.at(-1)).toBe('done\n');
    expect(writes.some((text) => text.includes('10/10'))).toBe(true);
  });

  it('fits the line to the terminal, and takes 0 columns as unknown', () => {
    const narrow = sink(true, 30);
    createProgressLine(narrow.stream).update({ label: 'ingesting turns', done: 5, total: 10 });
    expect(narrow.writes[0]).toBe(`\r\x1b[2K${'ingesting turns [############'.slice(0, 29)}`);
    const unknown = sink(true, 0);
    createProgressLine(unknown.stream).update({ label: 'ingesting turns', done: 5, total: 10 });
    expect(unknown.writes[0]).toContain('5/10');
  });
});
