import type { GenerateOptions, GenerateResult, LanguageModel, Memory, Usage } from '@loci/core';
import { ConfigError } from '@loci/core';
import type { AgentEvent, TraceEntry } from './agent-events.js';
import type { AgentState } from './agent-state.js';
import type { AgentStorage } from './agent-storage.js';
import type { ContextManager } from './context-manager.js';
import type { ContextTokens } from './main-context.js';
import { createMemoryFanOut } from './memory-fan-out.js';
import { createStepJournal, type StepJournal } from './step-journal.js';
import { streamReply } from './stream-reply.js';
import { createToolContext, executeToolCalls, type Toolbox, withCallIds } from './tool-execution.js';

/** One input to `Agent.step`. */
export interface StepInput {
  text: string;
  /** Who is speaking (default "user"). */
  speaker?: string;
  /** When it was said (default now); stored with every message of the step. */
  at?: Date;
}

/** What one step did: replies, trace, usage and timings. */
export interface StepResult {
  stepId: string;
  /** What the agent said to the user through send_message, in order. */
  messages: string[];
  trace: TraceEntry[];
  usage: Usage;
  /** Context tokens of each LLM call of the step, summary calls excluded. */
  contextTokens: ContextTokens[];
  /** Wall time of the step and the part spent waiting for the LLM (framework time = total − llm). */
  timings: { totalMs: number; llmMs: number };
}

/** What a step runs on: the agent's parts that outlive a step. */
export interface StepRuntime {
  model: LanguageModel;
  storage: AgentStorage;
  toolbox: Toolbox;
  context: ContextManager;
  memories: readonly Memory[];
  /** The agent's message counter; a failed step's seqs stay used (its messages are in recall storage). */
  sequence: { next: number };
  emit(event: AgentEvent): void;
  /** Called with the new state once it is saved, before `step-end` is emitted. */
  commit(state: AgentState): void;
}

export function parseStepInput(raw: StepInput | string): StepInput & { at: Date } {
  const input: StepInput = typeof raw === 'string' ? { text: raw } : raw;
  if (typeof input.text !== 'string' || input.text.length === 0) {
    throw new ConfigError('step input text must be a non-empty string', [{ path: 'text', message: 'empty' }]);
  }
  const at = input.at ?? new Date();
  if (Number.isNaN(at.getTime())) {
    throw new ConfigError('step input "at" is not a valid date', [{ path: 'at', message: 'invalid date' }]);
  }
  return { ...input, at };
}

/**
 * One step: the user message, recall from the attached memory systems, then LLM calls until one
 * asks for no heartbeat (or the chain limit), each preceded by context preparation and followed by
 * its function calls; the state is saved (and committed) at the end. When the step fails, the state
 * it started from stays the saved one, but every message it recorded is written to recall storage.
 */
export async function runStep(
  runtime: StepRuntime,
  state: AgentState,
  rawInput: StepInput | string,
  signal?: AbortSignal,
): Promise<StepResult> {
  const started = performance.now();
  const input = parseStepInput(rawInput);
  const { storage, context } = runtime;
  const journal = createStepJournal({
    state,
    at: input.at,
    storage,
    nextSeq: () => runtime.sequence.next++,
    onRecord: (message) => context.remember(message),
    onEvent: runtime.emit,
  });
  const { draft, stepId, at } = journal;
  const memories = createMemoryFanOut({
    memories: runtime.memories,
    namespace: draft.memoryNamespace,
    k: draft.config.recallK,
    tokenBudget: draft.config.recallTokenBudget,
    emit: journal.emit,
    count: context.count,
  });

  journal.emit({ type: 'step-start', stepId, input: input.text, at });
  const userMessage = journal.record({
    kind: 'user',
    content: input.text,
    ...(input.speaker === undefined ? {} : { speaker: input.speaker }),
  });
  try {
    // The user message is written with the first round's messages (handed over after each round,
    // the last with the state); if the step fails, the catch below writes it and waits, so an
    // unreachable LLM loses no message.
    let recalled = '';
    if (memories.attached) {
      recalled = await memories.recall({
        query: input.text,
        at,
        ...(signal === undefined ? {} : { signal }),
      });
      await memories.observe(
        { type: 'turn', id: userMessage.id, speaker: input.speaker ?? 'user', text: input.text, at },
        signal,
      );
    }

    const contextTokens: ContextTokens[] = [];
    const saidTurns = await runCalls(runtime, journal, { recalled, contextTokens, signal });
    for (const turn of saidTurns) {
      await memories.observe(
        { type: 'turn', id: turn.id, speaker: 'assistant', text: turn.text, at },
        signal,
      );
    }
    draft.stepCount++;
    draft.nextSeq = runtime.sequence.next;
    // The last round's messages go with the state: the save waits for the state row alone.
    await storage.saveState(draft, journal.takeUnwritten());
    runtime.commit(draft);
    journal.emit({ type: 'step-end', stepId, messages: journal.said.length, usage: journal.usage });
    return {
      stepId,
      messages: journal.said,
      trace: journal.trace,
      usage: journal.usage,
      contextTokens,
      timings: { totalMs: performance.now() - started, llmMs: journal.llmMs() },
    };
  } catch (error) {
    // The step is dropped (the saved state stays as it was), but its messages are kept in recall storage.
    try {
      await journal.flush();
    } catch {
      // The original error says more than a second storage failure would.
    }
    throw error;
  }
}

/**
 * The chain of LLM calls of one step: prepare the context, call, run the functions; again while a
 * function asks for a heartbeat (or failed), up to `maxChainLength` calls. Returns what was said
 * to the user, with the tool messages that carry it.
 */
async function runCalls(
  runtime: StepRuntime,
  journal: StepJournal,
  options: { recalled: string; contextTokens: ContextTokens[]; signal: AbortSignal | undefined },
): Promise<{ id: string; text: string }[]> {
  const { model, context } = runtime;
  const { draft, stepId } = journal;
  const { recalled, contextTokens, signal } = options;
  const toolContext = createToolContext(journal, runtime.storage, signal);
  const saidTurns: { id: string; text: string }[] = [];
  for (let call = 1; ; call++) {
    const rendered = await context.prepare(journal, recalled, signal);
    contextTokens.push(rendered.tokens);
    journal.emit({
      type: 'llm-call',
      call,
      context: rendered.tokens,
      streamed: Boolean(draft.config.stream && model.stream),
    });
    const begin = performance.now();
    const result = await journal.timed(() =>
      callModel(model, journal, {
        messages: rendered.messages,
        tools: runtime.toolbox.definitions,
        toolChoice: 'auto',
        maxTokens: draft.config.replyTokens,
        ...(draft.config.temperature === undefined ? {} : { temperature: draft.config.temperature }),
        ...(signal === undefined ? {} : { signal }),
      }),
    );
    journal.addUsage(result.usage);
    journal.emit({
      type: 'llm-result',
      call,
      usage: result.usage,
      finishReason: result.finishReason,
      ms: performance.now() - begin,
    });
    const monologue = result.message.content ?? '';
    const toolCalls = withCallIds(result.toolCalls, stepId, call);
    journal.record({ kind: 'assistant', content: monologue, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
    if (monologue.length > 0) journal.emit({ type: 'inner-monologue', text: monologue });

    const round = await executeToolCalls(toolCalls, runtime.toolbox, toolContext, journal);
    saidTurns.push(...round.saidTurns);
    // The last round's messages are left to the state save, which writes them alongside.
    if (round.heartbeat === undefined) break;
    if (call >= draft.config.maxChainLength) {
      journal.emit({ type: 'chain-limit', calls: call });
      break;
    }
    // Written behind while the next call runs; the state row carries them until they land.
    journal.handOver();
    journal.emit({ type: 'heartbeat', reason: round.heartbeat });
  }
  return saidTurns;
}

/** One LLM call, streamed when the config asks for it (send_message text and monologue as deltas). */
function callModel(
  model: LanguageModel,
  journal: StepJournal,
  request: GenerateOptions,
): Promise<GenerateResult> {
  if (!journal.draft.config.stream) return model.generate(request);
  return streamReply(
    model,
    request,
    (toolCallId, text) => journal.emit({ type: 'message-delta', toolCallId, text }),
    (text) => journal.emit({ type: 'monologue-delta', text }),
  );
}
