import type { DemoReport } from './demo-run.js';
import { excerpt, formatDay, formatDuration } from './format.js';

const shownTurnsPerItem = 4;

/** The demo's report for a person reading a terminal. */
export function renderDemoReport(report: DemoReport): string {
  const lines: string[] = [];
  const { conversation, embedder, store, ingest, summary } = report;
  const [a, b] = conversation.speakers;
  lines.push(
    `Loci demo: ${conversation.turns} turns between ${a} and ${b} over ${conversation.sessions} sessions, ` +
      `${formatDay(new Date(conversation.from))} to ${formatDay(new Date(conversation.to))}`,
    `  embedder  ${embedder.modelId} (${embedder.provider}, ${embedder.dimensions} dimensions), ready in ${formatDuration(embedder.readySeconds * 1000)}`,
    `  store     ${store.uri}  namespace "${store.namespace}"${store.fresh ? ' (rebuilt on every run)' : ''}`,
    `  memory    ${report.memory}`,
    `  ingested  ${ingest.turns} turns in ${formatDuration(ingest.seconds * 1000)} (${ingest.turnsPerSecond.toFixed(1)} turns/s)`,
    '',
  );
  report.questions.forEach((answer, index) => {
    const tag = answer.categoryName ? ` [${answer.categoryName}]` : '';
    lines.push(`Q${index + 1}${tag} ${answer.question}`);
    if (answer.answer !== undefined && answer.evidence) {
      lines.push(`   answer in the conversation: ${answer.answer}  (evidence ${answer.evidence.join(', ')})`);
    }
    lines.push(`   recalled ${answer.recalled.length} in ${formatDuration(answer.recallMs)}:`);
    if (answer.recalled.length === 0) lines.push('   (nothing)');
    for (const item of answer.recalled) {
      const what =
        item.kind === 'turn'
          ? 'turn'
          : `${item.kind} of ${item.sources.length} turn${item.sources.length === 1 ? '' : 's'}`;
      lines.push(`   ${String(item.rank).padStart(2)}. score ${item.score.toFixed(3)}  ${what}`);
      // Items that are not a turn's own words (thoughts, summaries) show their text too.
      if (item.kind !== 'turn' && item.kind !== 'chunk') lines.push(`       "${excerpt(item.text, 100)}"`);
      for (const turn of item.turns.slice(0, shownTurnsPerItem)) {
        const mark = turn.isEvidence ? '✓' : ' ';
        const who = turn.speaker && turn.at ? `${turn.speaker}, ${formatDay(new Date(turn.at))}: ` : '';
        lines.push(
          `     ${mark} ${turn.id.padEnd(6)} ${who}${excerpt(turn.text ?? '(not in this conversation)', 140)}`,
        );
      }
      if (item.turns.length > shownTurnsPerItem) {
        lines.push(`       … and ${item.turns.length - shownTurnsPerItem} more turns`);
      }
    }
    if (answer.evidence && answer.evidenceRecalled) {
      const found = answer.evidenceRecalled.length;
      const all = answer.evidence.length;
      const missing = answer.evidence.filter((id) => !answer.evidenceRecalled!.includes(id));
      lines.push(
        `   evidence recalled: ${found} of ${all}${found === all ? ' ✓' : `, missing ${missing.join(', ')}`}`,
      );
    }
    lines.push('');
  });
  const medianText = summary.recallMsMedian === null ? 'n/a' : formatDuration(summary.recallMsMedian);
  if (summary.withEvidence > 0) {
    lines.push(
      `Evidence recall in the top ${report.k}: ${summary.allEvidenceRecalled} of ${summary.withEvidence} questions ` +
        `had all their evidence recalled (mean ${(summary.evidenceRecall * 100).toFixed(0)}% of evidence turns); ` +
        `median recall ${medianText}.`,
    );
  } else {
    lines.push(`Median recall ${medianText}.`);
  }
  for (const note of report.notes) lines.push(note);
  lines.push('Ask your own: pnpm loci demo --question "Where does Priya swim?"');
  return `${lines.join('\n')}\n`;
}
