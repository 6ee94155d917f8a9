import { ConfigError, parseWith } from '@loci/core';
import type { z } from 'zod';
import { type AgentState, cloneState } from './agent-state.js';
import type { AgentStorage, ArchivalPassage } from './agent-storage.js';
import type { AgentTool, ToolContext } from './agent-tool.js';
import { archivalMemoryInsert, coreMemoryAppend, coreMemoryReplace } from './builtin-functions.js';
import type { Block } from './core-memory.js';

/** What an edit of core memory did: the text the built-in function gives the LLM, and the block after it. */
export interface CoreMemoryEdit {
  message: string;
  block: Block;
}

/** What an archival insert did: the text the built-in function gives the LLM, and the stored passage. */
export interface ArchivalInsert {
  message: string;
  passage: ArchivalPassage;
}

/**
 * The memory functions of a MemGPT agent, called by the application instead of the agent's LLM:
 * the same built-in functions with the same argument checks and errors, each saved as a new state
 * version through the agent's storage (fenced by its lease). The caller runs them one at a time,
 * never during a step.
 */
export interface AgentMemoryOps {
  insertArchival(text: string, at?: Date): Promise<ArchivalInsert>;
  appendCoreMemory(label: string, content: string): Promise<CoreMemoryEdit>;
  replaceCoreMemory(label: string, oldContent: string, newContent: string): Promise<CoreMemoryEdit>;
}

/** What the operations run on: the agent's storage, its saved state, and how a new one is taken in. */
export interface MemoryOpsRuntime {
  storage: AgentStorage;
  state(): AgentState;
  /** Called with the new state once it is saved. */
  commit(state: AgentState): void;
}

function outsideStep(name: string): never {
  throw new Error(`${name} is only available to the agent's LLM during a step`);
}

/**
 * A tool context over a draft of the saved state, outside any step: the memory parts work as in a
 * step (same storage, same counters); what only a step has (saying something, pausing heartbeats,
 * the step's own messages) refuses.
 */
function draftContext(storage: AgentStorage, draft: AgentState, at: Date, inserted: string[]): ToolContext {
  return {
    agentId: draft.id,
    namespace: draft.namespace,
    at,
    pageSize: draft.config.pageSize,
    blocks: () => draft.blocks,
    setBlocks: (blocks) => {
      draft.blocks = blocks;
    },
    sendMessage: () => outsideStep('send_message'),
    pauseHeartbeats: () => outsideStep('pause_heartbeats'),
    archivalInsert: async (text) => {
      const id = await storage.insertPassage(text, at);
      draft.archivalCount++;
      inserted.push(id);
      return id;
    },
    archivalSearch: (query, limit) => storage.searchPassages(query, limit),
    recallSearch: (query, limit) => storage.searchMessages(query, limit),
    recallBetween: (start, end, limit, offset) => storage.messagesBetween(start, end, limit, offset),
    recallCountBetween: (start, end) => storage.countMessagesBetween(start, end),
  };
}

/**
 * Runs one built-in function on a draft of the saved state: its arguments checked by its own schema
 * (a `ConfigError` naming the field, nothing written), then its own code (a `CoreMemoryEditError`
 * for a missing block, text not found or a block over its limit, nothing written), then the draft
 * saved as the next state version and committed.
 */
async function runOnDraft<TParameters extends z.ZodObject>(
  runtime: MemoryOpsRuntime,
  tool: AgentTool<TParameters>,
  input: z.input<TParameters>,
  at: Date,
): Promise<{ message: string; draft: AgentState; inserted: string[] }> {
  const args = parseWith(tool.definition.parameters, input, `arguments of ${tool.definition.name}`);
  const draft = cloneState(runtime.state());
  const inserted: string[] = [];
  const message = await tool.run(args, draftContext(runtime.storage, draft, at, inserted));
  // The state's version counter: an edit is saved as a version of its own, as a step is.
  draft.stepCount++;
  await runtime.storage.saveState(draft);
  runtime.commit(draft);
  return { message, draft, inserted };
}

function editedBlock(draft: AgentState, label: string): Block {
  const block = draft.blocks.find((candidate) => candidate.label === label);
  // The built-in function found the block before it edited it.
  if (!block) throw new Error(`core memory block "${label}" vanished during its edit`);
  return { ...block };
}

/** The memory functions of an agent over its runtime (see `AgentMemoryOps`). */
export function createAgentMemoryOps(runtime: MemoryOpsRuntime): AgentMemoryOps {
  return {
    async insertArchival(text, at = new Date()) {
      if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
        throw new ConfigError('the time of an archival insert is not a valid date', [
          { path: 'at', message: 'invalid date' },
        ]);
      }
      const { message, inserted } = await runOnDraft(runtime, archivalMemoryInsert, { content: text }, at);
      return { message, passage: { id: inserted[0] ?? '', text, at } };
    },
    async appendCoreMemory(label, content) {
      const { message, draft } = await runOnDraft(runtime, coreMemoryAppend, { label, content }, new Date());
      return { message, block: editedBlock(draft, label) };
    },
    async replaceCoreMemory(label, oldContent, newContent) {
      const { message, draft } = await runOnDraft(
        runtime,
        coreMemoryReplace,
        { label, old_content: oldContent, new_content: newContent },
        new Date(),
      );
      return { message, block: editedBlock(draft, label) };
    },
  };
}
