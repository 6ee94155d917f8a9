import type { CallTally, QaScores } from './qa-tally.js';
import type { QaRunResult } from './run-qa.js';

/** The `--json` line: the scores other tools read, snake_case like `bench recall`'s. */
export function toQaJsonLine(result: QaRunResult, extra: Record<string, unknown> = {}): string {
  const scores = (s: QaScores) => ({
    questions: s.questions,
    j: s.j,
    f1: s.f1,
    bleu1: s.bleu1,
    unparseable: s.unparseable,
    failed: s.failed,
  });
  const calls = (c: CallTally) => ({
    calls: c.calls,
    cached: c.cached,
    input_tokens: c.inputTokens,
    output_tokens: c.outputTokens,
  });
  const categories: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result.byCategory)) categories[key] = scores(value);
  return JSON.stringify({
    method: result.method,
    ...extra,
    answer_model: result.answerModel,
    judge_model: result.judgeModel,
    prompt_version: result.promptVersion,
    conversations: result.conversations,
    ...scores(result.overall),
    by_category: categories,
    adversarial: result.adversarial ? scores(result.adversarial) : null,
    answer_prompt_tokens_mean: result.answerPromptTokensMean,
    context_tokens_mean: result.contextTokensMean,
    llm: { answer: calls(result.llm.answer), judge: calls(result.llm.judge) },
    search_ms: result.searchMs,
    answer_ms: result.answerMs,
    failed_questions: result.failed.map((f) => f.id),
    unparseable_questions: result.unparseable,
  });
}
