import { formatFigure, percentile, summarizeLatencies } from '@loci/core';
import type { StepResult } from '../src/index.js';

/** Percentiles of framework time (ms) over some steps; `null` when there were none. */
export interface StepFigures {
  steps: number;
  p50: number | null;
  p95: number | null;
}

/** The report of one replay; `--json` prints it as one line (the keys `loci bench memgpt --json` had). */
export interface ReplayReport {
  turns: number;
  sessions: number;
  llm: string;
  contextWindow: number;
  storedMessages: number;
  framework: { p50: number | null; p95: number | null; max: number | null };
  /** Steps without a search function, and steps with one (conversation_search, archival_memory_search). */
  frameworkPlain: StepFigures;
  frameworkSearch: StepFigures;
  /** The steps at ≥ 5,000 stored messages without a search function. */
  plainAt5000: StepFigures;
  /** Framework time once recall storage holds ≥ 5,000 messages (no steps when the run never got there). */
  frameworkAt5000: StepFigures;
  llmCalls: number;
  contextTokens: { p50: number | null; max: number | null };
  overWindow: number;
  evictions: number;
  summaries: number;
  failedSummaries: number;
  memoryPressureAlerts: number;
  searchChecked: number;
  searchFound: number;
  wallSeconds: number;
}

export interface StepRecord {
  /** Framework time: the step's wall time minus its time inside LLM calls. */
  ms: number;
  /** Whether a function searched storage (such steps pay for the store's text index). */
  searched: boolean;
}

function figures(values: readonly number[]): StepFigures {
  return { steps: values.length, p50: percentile(values, 50), p95: percentile(values, 95) };
}

/** Totals over the replayed steps: framework time by kind of step, context tokens, evictions and summaries. */
export function createReplayMetrics() {
  const framework: number[] = [];
  const searchSteps: number[] = [];
  const plainSteps: number[] = [];
  const frameworkAt5000: number[] = [];
  const plainAt5000: number[] = [];
  const contextTokens: number[] = [];
  let evictions = 0;
  let summaries = 0;
  let failedSummaries = 0;
  let alerts = 0;

  return {
    /** Adds one step; `storedBefore` is the number of messages in recall storage when it started. */
    addStep(result: StepResult, storedBefore: number): StepRecord {
      const ms = result.timings.totalMs - result.timings.llmMs;
      framework.push(ms);
      const searched = result.trace.some((entry) => entry.type === 'tool-call' && /_search/.test(entry.name));
      (searched ? searchSteps : plainSteps).push(ms);
      if (storedBefore >= 5000) {
        frameworkAt5000.push(ms);
        if (!searched) plainAt5000.push(ms);
      }
      for (const tokens of result.contextTokens) contextTokens.push(tokens.total);
      for (const entry of result.trace) {
        if (entry.type === 'eviction') evictions++;
        if (entry.type === 'summary') {
          if (entry.ok) summaries++;
          else failedSummaries++;
        }
        if (entry.type === 'memory-pressure') alerts++;
      }
      return { ms, searched };
    },
    get evictions() {
      return evictions;
    },
    report(run: {
      turns: number;
      sessions: number;
      llm: string;
      contextWindow: number;
      storedMessages: number;
      searchChecked: number;
      searchFound: number;
      wallSeconds: number;
    }): ReplayReport {
      const all = summarizeLatencies(framework);
      const tokens = summarizeLatencies(contextTokens);
      return {
        turns: run.turns,
        sessions: run.sessions,
        llm: run.llm,
        contextWindow: run.contextWindow,
        storedMessages: run.storedMessages,
        framework: { p50: all.p50, p95: all.p95, max: all.max },
        frameworkPlain: figures(plainSteps),
        frameworkSearch: figures(searchSteps),
        plainAt5000: figures(plainAt5000),
        frameworkAt5000: figures(frameworkAt5000),
        llmCalls: contextTokens.length,
        contextTokens: { p50: tokens.p50, max: tokens.max },
        overWindow: contextTokens.filter((total) => total > run.contextWindow).length,
        evictions,
        summaries,
        failedSummaries,
        memoryPressureAlerts: alerts,
        searchChecked: run.searchChecked,
        searchFound: run.searchFound,
        wallSeconds: run.wallSeconds,
      };
    },
  };
}

export function renderReport(report: ReplayReport): string {
  const ms = (value: number | null) => `${formatFigure(value)} ms`;
  const steps = (figure: StepFigures) => `${figure.steps}, p50 ${ms(figure.p50)}, p95 ${ms(figure.p95)}`;
  return [
    `memgpt replay: ${report.turns} turns in ${report.sessions} sessions, LLM: ${report.llm}`,
    `  framework time per step (excluding the LLM): p50 ${ms(report.framework.p50)}, p95 ${ms(report.framework.p95)}, max ${ms(report.framework.max)}`,
    `  ... steps without a search function: ${steps(report.frameworkPlain)}`,
    `  ... steps with conversation_search: ${steps(report.frameworkSearch)}`,
    `  ... with >= 5,000 stored messages: ${report.frameworkAt5000.steps} steps, p50 ${ms(report.frameworkAt5000.p50)}, p95 ${ms(report.frameworkAt5000.p95)}`,
    `  ... with >= 5,000 stored messages, without a search function: ${report.plainAt5000.steps} steps, p50 ${ms(report.plainAt5000.p50)}, p95 ${ms(report.plainAt5000.p95)}`,
    `  stored messages at the end: ${report.storedMessages}`,
    `  context tokens per LLM call: p50 ${report.contextTokens.p50 ?? 'n/a'}, max ${report.contextTokens.max ?? 'n/a'} (window ${report.contextWindow}; ${report.overWindow} calls over it) over ${report.llmCalls} calls`,
    `  memory-pressure alerts ${report.memoryPressureAlerts}, evictions ${report.evictions}, summaries ${report.summaries} (${report.failedSummaries} failed)`,
    `  conversation_search finds ${report.searchFound} of ${report.searchChecked} replayed user messages`,
    `  wall time ${report.wallSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}
