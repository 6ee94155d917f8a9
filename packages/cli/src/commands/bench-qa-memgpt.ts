import type { QaAnswerer } from '@loci/bench';
import type { EmbeddingModel, LanguageModel, MemoryStore } from '@loci/core';
import { type Agent, createAgent } from '@loci/memgpt';

/**
 * The MemGPT evaluation for `loci bench qa --method memgpt`: per conversation a fresh agent reads
 * every turn as a message (its own queue, summaries, recall and archival storage at work), then
 * each question is one more message, answered through `send_message` after whatever memory
 * functions the agent chose to call.
 */
export function createMemgptAnswerer(options: {
  model: LanguageModel;
  embedder: EmbeddingModel;
  store: MemoryStore;
}): QaAnswerer & { close(): Promise<void> } {
  const agents = new Map<string, Agent>();
  async function agentFor(namespace: string): Promise<Agent> {
    const existing = agents.get(namespace);
    if (existing) return existing;
    const agent = await createAgent({ ...options, namespace, id: `bench-${namespace}` });
    agents.set(namespace, agent);
    return agent;
  }
  return {
    async ingest(conversation, namespace) {
      const agent = await agentFor(namespace);
      for (const session of conversation.sessions) {
        for (const turn of session.turns)
          await agent.step({ text: turn.text, speaker: turn.speaker, at: turn.at });
      }
    },
    async answer(question, namespace) {
      const agent = await agentFor(namespace);
      const step = await agent.step({
        text: question.question,
        ...(question.askedAt ? { at: question.askedAt } : {}),
      });
      return {
        answer: step.messages.join(' '),
        usage: step.usage,
        calls: step.contextTokens.length,
      };
    },
    async close() {
      for (const agent of agents.values()) await agent.close();
      agents.clear();
    },
  };
}
