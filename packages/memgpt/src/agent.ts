import type {
  ChatMessage,
  EmbeddingModel,
  GenerateOptions,
  GenerateResult,
  LanguageModel,
  Memory,
  MemoryStore,
  Recalled,
  ToolCall,
  Usage,
} from '@loci/core';
import {
  ConfigError,
  ContextOverflowError,
  countMessageTokens,
  countTokens,
  LociError,
  StoreError,
  toJsonSchema,
} from '@loci/core';
import { type AgentEvent, createEventHub, type TraceEntry } from './agent-events.js';
import { type AgentState, cloneState } from './agent-state.js';
import { type AgentStorage, type ArchivalPassage, checkName, openAgentStorage } from './agent-storage.js';
import { type AgentTool, runToolCall, type ToolContext, withHeartbeat } from './agent-tool.js';
import { builtinFunctions } from './builtin-functions.js';
import { type AgentConfigInput, parseAgentConfig } from './config.js';
import { type Block, type BlockInput, createBlocks } from './core-memory.js';
import { type ContextTokens, type RenderedContext, renderContext, renderRecalled } from './main-context.js';
import { chooseEviction, type QueueLimits, queueLimits } from './queue-manager.js';
import { writeRecursiveSummary } from './recursive-summary.js';
import { type StoredMessage, toChatMessage } from './stored-message.js';
import { streamReply } from './stream-reply.js';
import { defaultSystemInstructions } from './system-instructions.js';
import { createTokenMemo } from './token-memo.js';

export interface StepInput {
  text: string;
  /** Who is speaking (default "user"). */
  speaker?: string;
  /** When it was said (default now); stored with every message of the step. */
  at?: Date;
}

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

export interface Agent {
  readonly id: string;
  readonly namespace: string;
  /** Runs one user input through the agent: LLM calls, functions, heartbeats; saves the state at the end. */
  step(input: StepInput | string, options?: { signal?: AbortSignal }): Promise<StepResult>;
  /** Every event from now on; ends when the agent is closed or the signal aborts. */
  events(options?: { signal?: AbortSignal }): AsyncIterableIterator<AgentEvent>;
  /** A copy of the saved state (blocks, summary, queue ids, config). */
  state(): AgentState;
  blocks(): Block[];
  summary(): string;
  /** The FIFO queue as saved (without the summary). */
  queue(): StoredMessage[];
  /** The main context the next LLM call would start from. */
  context(): RenderedContext;
  searchRecall(query: string, limit?: number): Promise<StoredMessage[]>;
  searchArchival(query: string, limit?: number): Promise<ArchivalPassage[]>;
  /** Flushes attached memories and ends event iterators. The store stays open (the caller owns it). */
  close(): Promise<void>;
}

interface SharedOptions {
  model: LanguageModel;
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** Whose agent this is (a user or tenant). Default "default". */
  namespace?: string;
  /** Same as `namespace`. */
  userId?: string;
  /** Memory systems: every turn is observed, and `recall` fills the recalled-memory section. */
  memories?: Memory[];
  /** Extra functions the LLM can call, next to the built-in ones. */
  tools?: AgentTool[];
  onEvent?: (event: AgentEvent) => void;
}

export interface CreateAgentOptions extends SharedOptions {
  /** Agent id (default a random UUID): letters, digits, "_", ".", "@", "-". */
  id?: string;
  /** Core memory blocks: `persona`, `human` and custom ones, as text or `{ value, limit, description }`. */
  blocks?: Record<string, BlockInput>;
  config?: AgentConfigInput;
  /** Namespace passed to the memory systems (default: the agent's own, so nothing is shared). */
  memoryNamespace?: string;
  systemInstructions?: string;
}

export interface LoadAgentOptions extends SharedOptions {
  id: string;
  /** Overrides of the saved config for this session (saved with the next step). */
  config?: Partial<AgentConfigInput>;
}

function resolveNamespace(options: SharedOptions): string {
  const { namespace, userId } = options;
  if (namespace !== undefined && userId !== undefined && namespace !== userId) {
    throw new ConfigError(`namespace "${namespace}" and userId "${userId}" differ; give one of them`, [
      { path: 'namespace', message: 'conflicts with userId' },
    ]);
  }
  return checkName(namespace ?? userId ?? 'default', 'namespace');
}

/** Creates and saves a new agent. Fails if the id is taken (use `loadAgent` to resume). */
export async function createAgent(options: CreateAgentOptions): Promise<Agent> {
  const namespace = resolveNamespace(options);
  const id = checkName(options.id ?? crypto.randomUUID(), 'agent id');
  const config = parseAgentConfig(options.config);
  const blocks = createBlocks(options.blocks, config.defaultBlockLimit);
  const memoryNamespace = options.memoryNamespace ?? `${namespace}#${id}`;
  const storage = await openAgentStorage({ ...options, namespace, agentId: id });
  if (await storage.loadState(id)) {
    throw new ConfigError(
      `agent "${id}" already exists in namespace "${namespace}"; resume it with loadAgent`,
      [{ path: 'id', message: 'already exists' }],
    );
  }
  const state: AgentState = {
    formatVersion: 1,
    id,
    namespace,
    memoryNamespace,
    createdAt: new Date().toISOString(),
    embedder: {
      provider: options.embedder.provider,
      modelId: options.embedder.modelId,
      dimensions: options.embedder.dimensions,
    },
    instructions: options.systemInstructions ?? defaultSystemInstructions,
    blocks,
    summary: '',
    summarizedCount: 0,
    queue: [],
    config,
    nextSeq: 0,
    recallCount: 0,
    archivalCount: 0,
    stepCount: 0,
    memoryPressureWarned: false,
    heartbeatsPausedUntil: null,
  };
  await storage.saveState(state);
  return startAgent({ options, storage, state, queue: [], nextSeq: 0 });
}

/** Resumes a saved agent with the same core memory, summary, queue and config. */
export async function loadAgent(options: LoadAgentOptions): Promise<Agent> {
  const namespace = resolveNamespace(options);
  const id = checkName(options.id, 'agent id');
  const storage = await openAgentStorage({ ...options, namespace, agentId: id });
  const saved = await storage.loadState(id);
  if (!saved) {
    throw new LociError(
      `no agent "${id}" in namespace "${namespace}" of ${options.store.uri}; create it with createAgent (or \`loci chat --new\`)`,
      { code: 'agent_not_found', category: 'user' },
    );
  }
  const { embedder } = options;
  if (saved.embedder.modelId !== embedder.modelId || saved.embedder.dimensions !== embedder.dimensions) {
    // Vectors of two embedders are not comparable: archival search would return noise.
    throw new ConfigError(
      `agent "${id}" stores archival passages with embedder ${saved.embedder.modelId} (${saved.embedder.dimensions} dimensions), ` +
        `but ${embedder.modelId} (${embedder.dimensions} dimensions) was given; load it with the same embedder`,
      [{ path: 'embedder', message: 'differs from the one the agent was created with' }],
    );
  }
  const state = options.config
    ? { ...saved, config: parseAgentConfig({ ...saved.config, ...options.config }) }
    : saved;
  const queue = await storage.getMessages(state.queue);
  if (queue.length !== state.queue.length) {
    const found = new Set(queue.map((message) => message.id));
    const missing = state.queue.filter((messageId) => !found.has(messageId));
    throw new StoreError(
      `agent "${id}": ${missing.length} queued messages are missing from recall storage (${missing.slice(0, 3).join(', ')}); the store was changed outside Loci`,
      { code: 'agent_state_damaged' },
    );
  }
  const nextSeq = Math.max(state.nextSeq, (await storage.lastSeq()) + 1);
  return startAgent({ options, storage, state, queue, nextSeq });
}

function overflow(tokens: number, limit: number, when: string): ContextOverflowError {
  return new ContextOverflowError({
    tokens,
    limit,
    message:
      `the context needs ${tokens} tokens ${when} but the limit is ${limit}: shorten the core memory blocks, ` +
      'the system instructions or the recalled-memory budget, or use a model with a larger context window (contextWindow)',
  });
}

function addUsage(total: Usage, usage: Usage): void {
  total.inputTokens += usage.inputTokens;
  total.outputTokens += usage.outputTokens;
  total.totalTokens += usage.totalTokens;
}

function toolMap(custom: readonly AgentTool[] | undefined): Map<string, AgentTool> {
  const tools = new Map<string, AgentTool>();
  for (const tool of builtinFunctions) tools.set(tool.definition.name, tool);
  for (const tool of custom ?? []) {
    if (tools.has(tool.definition.name)) {
      throw new ConfigError(`tool "${tool.definition.name}" is defined twice (built-in names are reserved)`, [
        { path: 'tools', message: `duplicate name ${tool.definition.name}` },
      ]);
    }
    tools.set(tool.definition.name, tool);
  }
  return tools;
}

/** Items from several memory systems, alternating by rank (scores are not comparable across systems), within a token budget. */
function mergeRecalled(lists: readonly Recalled[][], budget: number): Recalled[] {
  const merged: Recalled[] = [];
  let tokens = 0;
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let rank = 0; rank < longest; rank++) {
    for (const list of lists) {
      const item = list[rank];
      if (!item || item.tokens + tokens > budget) continue;
      merged.push(item);
      tokens += item.tokens;
    }
  }
  return merged;
}

function startAgent(setup: {
  options: SharedOptions;
  storage: AgentStorage;
  state: AgentState;
  queue: StoredMessage[];
  nextSeq: number;
}): Agent {
  const { options, storage } = setup;
  const { model, memories = [] } = options;
  let state = setup.state;
  let nextSeq = setup.nextSeq;
  const tools = toolMap(options.tools);
  const definitions = [...tools.values()].map(withHeartbeat);
  const toolTokens = countTokens(
    JSON.stringify(
      definitions.map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: toJsonSchema(tool.parameters),
      })),
    ),
  );
  const hub = createEventHub();
  const count = createTokenMemo();
  // Messages by id, for the queue: loaded once, then kept as the queue changes.
  const messages = new Map<string, StoredMessage>(setup.queue.map((message) => [message.id, message]));
  // Prompt form and tokens per message (stored messages never change); a truncated form per limit.
  const chatCache = new Map<
    string,
    { message: ChatMessage; tokens: number; cut?: { limit: number; message: ChatMessage; tokens: number } }
  >();
  let tail: Promise<unknown> = Promise.resolve();

  /**
   * Table maintenance (compaction, full-text index update) every `maintenanceEverySteps` steps. It
   * runs while the step waits for the LLM, when the agent writes nothing, so it neither conflicts
   * with the agent's writes nor adds to a step when the LLM takes longer than it.
   */
  async function maintainDuring<T>(stepCount: number, work: () => Promise<T>): Promise<T> {
    const every = state.config.maintenanceEverySteps;
    if (every === 0 || stepCount % every !== every - 1) return work();
    const maintenance = storage.optimize().then(
      () => undefined,
      // Maintenance only speeds later searches up; a failure is reported and retried next time.
      (error: unknown) => (error as Error).message,
    );
    try {
      return await work();
    } finally {
      const failure = await maintenance;
      if (failure !== undefined) hub.emit({ type: 'maintenance-failed', error: failure });
    }
  }

  /** Drops cached messages that left the saved queue (they stay in recall storage). */
  function prune(): void {
    const kept = new Set(state.queue);
    for (const id of messages.keys()) {
      if (!kept.has(id)) {
        messages.delete(id);
        chatCache.delete(id);
      }
    }
  }

  const windowOf = (current: AgentState) => current.config.contextWindow ?? model.contextWindow;
  const limitsOf = (current: AgentState): QueueLimits =>
    queueLimits({ ...current.config, contextWindow: windowOf(current) });

  function promptEntry(message: StoredMessage, limit: number): { message: ChatMessage; tokens: number } {
    let cached = chatCache.get(message.id);
    if (!cached) {
      const chat = toChatMessage(message);
      cached = { message: chat, tokens: countMessageTokens(chat) };
      chatCache.set(message.id, cached);
    }
    if (cached.tokens <= limit) return cached;
    if (cached.cut?.limit !== limit) {
      // Truncated for the prompt only; recall storage keeps the whole text.
      const chat = toChatMessage(message, limit);
      cached.cut = { limit, message: chat, tokens: countMessageTokens(chat) };
    }
    return cached.cut;
  }

  function render(current: AgentState, recalled: string): RenderedContext {
    const limits = limitsOf(current);
    const parts = {
      instructions: current.instructions,
      blocks: current.blocks,
      summary: current.summary,
      summarizedCount: current.summarizedCount,
      recalled,
      recallCount: current.recallCount,
      archivalCount: current.archivalCount,
      now: new Date(),
      toolTokens,
    };
    // One message may take at most its share of the window, and never more than what the fixed parts leave.
    const fixed = renderContext({ ...parts, queue: [] }, count).tokens.total;
    const limit = Math.max(32, Math.min(limits.maxMessage, limits.flush - fixed - 8));
    return renderContext(
      {
        ...parts,
        queue: current.queue.map((id) => {
          const message = messages.get(id);
          if (!message) throw new StoreError(`queued message ${id} is not loaded`);
          return promptEntry(message, limit);
        }),
      },
      count,
    );
  }

  async function runStep(rawInput: StepInput | string, signal: AbortSignal | undefined): Promise<StepResult> {
    const started = performance.now();
    let llmMs = 0;
    const input: StepInput = typeof rawInput === 'string' ? { text: rawInput } : rawInput;
    if (typeof input.text !== 'string' || input.text.length === 0) {
      throw new ConfigError('step input text must be a non-empty string', [
        { path: 'text', message: 'empty' },
      ]);
    }
    const at = input.at ?? new Date();
    if (Number.isNaN(at.getTime())) {
      throw new ConfigError('step input "at" is not a valid date', [{ path: 'at', message: 'invalid date' }]);
    }
    const draft = cloneState(state);
    const stepId = crypto.randomUUID();
    const trace: TraceEntry[] = [];
    const said: string[] = [];
    const saidTurns: { id: string; text: string }[] = [];
    const usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    const contextTokens: ContextTokens[] = [];
    let pending: StoredMessage[] = [];

    const emit = (event: AgentEvent) => {
      if (event.type !== 'message-delta' && event.type !== 'monologue-delta') trace.push(event);
      hub.emit(event);
      options.onEvent?.(event);
    };
    const record = (fields: Omit<StoredMessage, 'id' | 'seq' | 'at' | 'stepId'>): StoredMessage => {
      const message: StoredMessage = { ...fields, id: crypto.randomUUID(), seq: nextSeq++, at, stepId };
      messages.set(message.id, message);
      draft.queue.push(message.id);
      draft.recallCount++;
      pending.push(message);
      return message;
    };
    const writePending = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      try {
        await storage.appendMessages(batch);
      } catch (error) {
        // Kept for the next attempt (the step's error path tries once more), never dropped.
        pending = [...batch, ...pending];
        throw error;
      }
    };
    const timed = async <T>(work: () => Promise<T>): Promise<T> => {
      const begin = performance.now();
      try {
        return await work();
      } finally {
        llmMs += performance.now() - begin;
      }
    };

    const context: ToolContext = {
      agentId: draft.id,
      namespace: draft.namespace,
      at,
      pageSize: draft.config.pageSize,
      ...(signal === undefined ? {} : { signal }),
      blocks: () => draft.blocks,
      setBlocks: (blocks) => {
        draft.blocks = blocks;
      },
      sendMessage: (text) => {
        said.push(text);
        emit({ type: 'message', text });
      },
      pauseHeartbeats: (until) => {
        draft.heartbeatsPausedUntil = until.toISOString();
      },
      archivalInsert: async (text) => {
        const id = await storage.insertPassage(text, at);
        draft.archivalCount++;
        return id;
      },
      archivalSearch: (query, limit) => storage.searchPassages(query, limit),
      recallSearch: async (query, limit) => {
        // Messages of this step not yet written are searchable too.
        await writePending();
        return storage.searchMessages(query, limit);
      },
      recallBetween: async (start, end, limit, offset) => {
        await writePending();
        return storage.messagesBetween(start, end, limit, offset);
      },
      recallCountBetween: (start, end) => storage.countMessagesBetween(start, end),
    };

    async function evict(limits: QueueLimits): Promise<boolean> {
      const queued = draft.queue.map((id) => messages.get(id) as StoredMessage);
      const count = chooseEviction(
        queued.map((message) => ({
          kind: message.kind,
          tokens: promptEntry(message, limits.maxMessage).tokens,
        })),
        draft.config.evictFraction,
      );
      if (count === 0) return false;
      await writePending();
      const evicted = queued.slice(0, count);
      const evictedTokens = evicted.reduce((sum, m) => sum + promptEntry(m, limits.maxMessage).tokens, 0);
      draft.queue = draft.queue.slice(count);
      draft.memoryPressureWarned = false;
      emit({ type: 'eviction', messages: count, tokens: evictedTokens, remaining: draft.queue.length });
      try {
        const { summary, usage: summaryUsage } = await timed(() =>
          writeRecursiveSummary({
            model,
            previousSummary: draft.summary,
            evicted,
            inputBudget: windowOf(draft) - draft.config.summaryMaxTokens - 64,
            maxSummaryTokens: draft.config.summaryMaxTokens,
            evictedTokens,
            ...(draft.config.temperature === undefined ? {} : { temperature: draft.config.temperature }),
            ...(signal === undefined ? {} : { signal }),
          }),
        );
        addUsage(usage, summaryUsage);
        draft.summary = summary;
        draft.summarizedCount += count;
        emit({ type: 'summary', ok: true, tokens: countTokens(summary), evicted: count });
      } catch (error) {
        if (signal?.aborted) throw error;
        // The evicted messages stay in recall storage; the old summary is kept and the LLM is told where to look.
        draft.summarizedCount += count;
        const first = evicted[0] as StoredMessage;
        const last = evicted[evicted.length - 1] as StoredMessage;
        const reason = (error as Error).message;
        record({
          kind: 'system-alert',
          content:
            `Summarizing ${count} evicted messages failed (${reason}). They are not in the summary but are all in recall storage, ` +
            `from ${first.at.toISOString()} to ${last.at.toISOString()}: use conversation_search_date or conversation_search to read them.`,
        });
        emit({ type: 'summary', ok: false, tokens: 0, evicted: count, error: reason });
      }
      return true;
    }

    /** Renders the context for the next call: memory-pressure alert, then eviction until it fits. */
    async function prepareContext(recalled: string): Promise<RenderedContext> {
      const limits = limitsOf(draft);
      let rendered = render(draft, recalled);
      if (rendered.tokens.total > limits.warning && !draft.memoryPressureWarned) {
        draft.memoryPressureWarned = true;
        emit({ type: 'memory-pressure', tokens: rendered.tokens.total, limit: limits.flush });
        record({
          kind: 'system-alert',
          content:
            `Memory pressure: the context holds ${rendered.tokens.total} of ${limits.flush} tokens. The oldest messages will soon be evicted ` +
            '(summarized, still searchable). Save anything important to core memory or archival memory now.',
        });
        rendered = render(draft, recalled);
      }
      const fixed = render({ ...draft, queue: [] }, recalled).tokens.total;
      if (fixed > limits.flush) throw overflow(fixed, limits.flush, 'without any message');
      for (let round = 0; rendered.tokens.total > limits.flush && round < 8; round++) {
        if (!(await evict(limits))) break;
        rendered = render(draft, recalled);
      }
      if (rendered.tokens.total > limits.flush)
        throw overflow(rendered.tokens.total, limits.flush, 'after eviction');
      return rendered;
    }

    const callModel = (request: GenerateOptions): Promise<GenerateResult> =>
      draft.config.stream
        ? streamReply(
            model,
            request,
            (toolCallId, text) => emit({ type: 'message-delta', toolCallId, text }),
            (text) => emit({ type: 'monologue-delta', text }),
          )
        : model.generate(request);

    emit({ type: 'step-start', stepId, input: input.text, at });
    const userMessage = record({
      kind: 'user',
      content: input.text,
      ...(input.speaker === undefined ? {} : { speaker: input.speaker }),
    });
    try {
      // The user message is written with the first round's messages (one write per round); if the
      // step fails, the catch below writes it, so an unreachable LLM loses no message.
      let recalled = '';
      if (memories.length > 0) {
        const lists = await Promise.all(
          memories.map(async (memory) => {
            try {
              return await memory.recall({
                query: input.text,
                namespace: draft.memoryNamespace,
                k: draft.config.recallK,
                tokenBudget: draft.config.recallTokenBudget,
                at,
                ...(signal === undefined ? {} : { signal }),
              });
            } catch (error) {
              if (signal?.aborted) throw error;
              emit({
                type: 'recall',
                items: 0,
                tokens: 0,
                failed: `${memory.name}: ${(error as Error).message}`,
              });
              return [];
            }
          }),
        );
        const items = mergeRecalled(lists, draft.config.recallTokenBudget);
        recalled = renderRecalled(items);
        emit({ type: 'recall', items: items.length, tokens: count(recalled) });
        await observeAll({
          type: 'turn',
          id: userMessage.id,
          speaker: input.speaker ?? 'user',
          text: input.text,
          at,
        });
      }

      for (let call = 1; ; call++) {
        const rendered = await prepareContext(recalled);
        contextTokens.push(rendered.tokens);
        emit({
          type: 'llm-call',
          call,
          context: rendered.tokens,
          streamed: Boolean(draft.config.stream && model.stream),
        });
        const begin = performance.now();
        const result = await maintainDuring(call === 1 ? draft.stepCount : -1, () =>
          timed(() =>
            callModel({
              messages: rendered.messages,
              tools: definitions,
              toolChoice: 'auto',
              maxTokens: draft.config.replyTokens,
              ...(draft.config.temperature === undefined ? {} : { temperature: draft.config.temperature }),
              ...(signal === undefined ? {} : { signal }),
            }),
          ),
        );
        addUsage(usage, result.usage);
        emit({
          type: 'llm-result',
          call,
          usage: result.usage,
          finishReason: result.finishReason,
          ms: performance.now() - begin,
        });
        const monologue = result.message.content ?? '';
        const toolCalls: ToolCall[] = result.toolCalls.map((toolCall, index) => ({
          ...toolCall,
          // Some servers omit ids; results must still pair with their call.
          id: toolCall.id.length > 0 ? toolCall.id : `call_${stepId.slice(0, 8)}_${call}_${index}`,
        }));
        record({ kind: 'assistant', content: monologue, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
        if (monologue.length > 0) emit({ type: 'inner-monologue', text: monologue });

        let heartbeat: 'requested' | 'function-failed' | undefined;
        for (const toolCall of toolCalls) {
          emit({ type: 'tool-call', id: toolCall.id, name: toolCall.name, arguments: toolCall.arguments });
          const saidBefore = said.length;
          const outcome = await runToolCall(toolCall, tools, context);
          const stored = record({
            kind: 'tool',
            content: outcome.content,
            toolCallId: toolCall.id,
            toolName: toolCall.name,
          });
          for (const text of said.slice(saidBefore)) saidTurns.push({ id: stored.id, text });
          emit({
            type: 'tool-result',
            id: toolCall.id,
            name: toolCall.name,
            ok: outcome.ok,
            content: outcome.content,
          });
          if (!outcome.ok) heartbeat = 'function-failed';
          else if (outcome.heartbeat && heartbeat === undefined) heartbeat = 'requested';
        }
        await writePending();
        if (heartbeat === undefined) break;
        if (call >= draft.config.maxChainLength) {
          emit({ type: 'chain-limit', calls: call });
          break;
        }
        emit({ type: 'heartbeat', reason: heartbeat });
      }

      for (const turn of saidTurns) {
        await observeAll({ type: 'turn', id: turn.id, speaker: 'assistant', text: turn.text, at });
      }
      draft.stepCount++;
      draft.nextSeq = nextSeq;
      await storage.saveState(draft);
      state = draft;
      prune();
      emit({ type: 'step-end', stepId, messages: said.length, usage });
      return {
        stepId,
        messages: said,
        trace,
        usage,
        contextTokens,
        timings: { totalMs: performance.now() - started, llmMs },
      };
    } catch (error) {
      // The step is dropped (the saved state stays as it was), but its messages are kept in recall storage.
      try {
        await writePending();
      } catch {
        // The original error says more than a second storage failure would.
      }
      prune();
      throw error;
    }

    async function observeAll(event: Parameters<Memory['observe']>[0]['event']): Promise<void> {
      for (const memory of memories) {
        try {
          await memory.observe({
            namespace: draft.memoryNamespace,
            event,
            ...(signal === undefined ? {} : { signal }),
          });
        } catch (error) {
          if (signal?.aborted) throw error;
          emit({ type: 'observe-failed', memory: memory.name, error: (error as Error).message });
        }
      }
    }
  }

  return {
    id: state.id,
    namespace: state.namespace,
    step(input, stepOptions) {
      // Steps run one at a time, in call order.
      const run = tail.then(() => runStep(input, stepOptions?.signal));
      tail = run.catch(() => undefined);
      return run;
    },
    events: (eventOptions) => hub.subscribe(eventOptions?.signal),
    state: () => cloneState(state),
    blocks: () => state.blocks.map((block) => ({ ...block })),
    summary: () => state.summary,
    queue: () => state.queue.map((id) => messages.get(id) as StoredMessage),
    context: () => render(state, ''),
    searchRecall: (query, limit = 10) => storage.searchMessages(query, limit),
    searchArchival: (query, limit = 10) => storage.searchPassages(query, limit),
    async close() {
      await tail;
      for (const memory of memories) await memory.flush?.();
      hub.close();
    },
  };
}
