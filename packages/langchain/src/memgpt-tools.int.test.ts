import { join } from 'node:path';
import { ChatOpenAI } from '@langchain/openai';
import type { EmbeddingModel, MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { type Agent, createAgent as createMemGPTAgent, loadAgent } from '@loci/memgpt';
import { createGloveEmbedder } from '@loci/onnx';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { createAgent } from 'langchain';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromLangChainChatModel } from './from-langchain-chat-model.js';
import { createMemGPTMemoryTools } from './memgpt-tools.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };
let embedder: EmbeddingModel;
let store: MemoryStore;
let memgpt: Agent;

const chatModel = () =>
  new ChatOpenAI({
    model: 'scripted',
    apiKey: 'test',
    maxRetries: 0,
    configuration: { baseURL: server.url },
  });
const memgptOptions = () => ({
  model: fromLangChainChatModel(chatModel(), { contextWindow: 8192 }),
  embedder,
  store,
  namespace: 'ada',
  id: 'assistant',
});

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-langchain-memgpt-tools-');
  embedder = await createGloveEmbedder();
});
afterAll(async () => {
  await server.close();
  await dir.remove();
});
beforeEach(async () => {
  store = await createLanceStore({ uri: join(dir.path, crypto.randomUUID()) });
  memgpt = await createMemGPTAgent({
    ...memgptOptions(),
    blocks: { human: { value: 'Name: Ada.', limit: 200 } },
  });
});
afterEach(async () => {
  await memgpt.close();
  await store.close();
});

/** The tool messages LangChain sent back to the model in the last chat request. */
function lastToolMessages(): string[] {
  const request = server.chatRequests().at(-1);
  if (!request) throw new Error('no chat request');
  return chatRequestBody(request)
    .messages.filter((message) => message.role === 'tool')
    .map((message) => String(message.content));
}

function langChainAgent() {
  return createAgent({ model: chatModel(), tools: [...createMemGPTMemoryTools(memgpt)] });
}

describe('createMemGPTMemoryTools with createAgent and ChatOpenAI', () => {
  it('inserts, searches and edits the memory of a MemGPT agent on LanceDB, with provenance', async () => {
    // One MemGPT step first, so its conversation (recall storage) has messages to search.
    server.enqueue({
      toolCalls: [{ name: 'send_message', arguments: { message: 'Hello Ada, tell me about Pixel.' } }],
    });
    await memgpt.step({ text: 'Hi, I am Ada and my cat is called Pixel.', speaker: 'Ada' });

    server.enqueue(
      {
        toolCalls: [
          {
            id: 'call_append',
            name: 'core_memory_append',
            arguments: { label: 'human', content: 'Has a grey cat called Pixel.' },
          },
          {
            id: 'call_insert',
            name: 'archival_memory_insert',
            arguments: { content: 'Ada adopted Pixel from the Oslo shelter in May 2024.' },
          },
        ],
      },
      {
        toolCalls: [
          {
            id: 'call_archival',
            name: 'archival_memory_search',
            arguments: { query: 'shelter Pixel', k: 3 },
          },
          { id: 'call_recall', name: 'conversation_search', arguments: { query: 'Pixel' } },
        ],
      },
      {
        toolCalls: [
          {
            id: 'call_replace',
            name: 'core_memory_replace',
            arguments: { label: 'human', old_content: 'grey', new_content: 'silver' },
          },
        ],
      },
      { content: 'Noted everything about Pixel.' },
    );
    const result = await langChainAgent().invoke({
      messages: [{ role: 'user', content: 'I adopted Pixel from the Oslo shelter last May.' }],
    });
    expect(result.messages.at(-1)?.content).toBe('Noted everything about Pixel.');

    const chats = server.chatRequests();
    const toolsOffered = chatRequestBody(chats.at(-1) as never).tools ?? [];
    expect(toolsOffered.map((entry) => entry.function.name).sort()).toEqual([
      'archival_memory_insert',
      'archival_memory_search',
      'conversation_search',
      'core_memory_append',
      'core_memory_replace',
    ]);
    const [passage] = await memgpt.searchArchival('Oslo shelter', 1);
    expect(passage?.text).toBe('Ada adopted Pixel from the Oslo shelter in May 2024.');

    const toolMessages = lastToolMessages();
    expect(toolMessages[0]).toMatch(/^Appended to block "human"\.\n/);
    expect(toolMessages[0]).toContain('Name: Ada.\nHas a grey cat called Pixel.');
    expect(toolMessages[1]).toBe(
      `Stored passage ${passage?.id} in the archival memory of agent assistant at ${passage?.at.toISOString()}.`,
    );
    // Search results name where each text came from, fenced as quoted data.
    expect(toolMessages[2]).toContain('<loci-memory>');
    expect(toolMessages[2]).toContain(
      `[passage ${passage?.id}, stored ${passage?.at.toISOString()}] Ada adopted Pixel from the Oslo shelter in May 2024.`,
    );
    const [userMessage] = await memgpt.searchRecall('Ada cat Pixel', 1);
    expect(toolMessages[3]).toContain(
      `[message ${userMessage?.id}, ${userMessage?.at.toISOString()}] Ada: Hi, I am Ada and my cat is called Pixel.`,
    );
    expect(toolMessages[4]).toContain('Replaced text in block "human".');
    expect(toolMessages[4]).toContain('Has a silver cat called Pixel.');

    // The artifacts carry the same provenance, structured.
    const artifacts = result.messages
      .filter((message) => message.type === 'tool')
      .map((message) => (message as { artifact?: unknown }).artifact);
    expect(artifacts[1]).toMatchObject({ agentId: 'assistant', namespace: 'ada', passageId: passage?.id });
    expect(artifacts[3]).toContainEqual(
      expect.objectContaining({ messageId: userMessage?.id, kind: 'user', speaker: 'Ada' }),
    );

    // Saved through the agent's own path: a reopened agent has the edits.
    await memgpt.close();
    memgpt = await loadAgent(memgptOptions());
    expect(memgpt.blocks().find((block) => block.label === 'human')?.value).toBe(
      'Name: Ada.\nHas a silver cat called Pixel.',
    );
    expect(memgpt.state().archivalCount).toBe(1);
  });

  it('answers malformed arguments and failed edits with a clear tool error, writing nothing', async () => {
    const before = memgpt.state();
    server.enqueue(
      {
        toolCalls: [
          { id: 'call_no_content', name: 'core_memory_append', arguments: { label: 'human' } },
          { id: 'call_number', name: 'archival_memory_insert', arguments: { content: 42 } },
          {
            id: 'call_bad_label',
            name: 'core_memory_append',
            arguments: { label: 'Human Notes', content: 'x' },
          },
          {
            id: 'call_missing_text',
            name: 'core_memory_replace',
            arguments: { label: 'human', old_content: 'Bob', new_content: 'Ada' },
          },
          { id: 'call_no_block', name: 'core_memory_append', arguments: { label: 'diary', content: 'x' } },
        ],
      },
      { content: 'Sorry, I could not save that.' },
    );
    const result = await langChainAgent().invoke({ messages: [{ role: 'user', content: 'Remember me.' }] });
    expect(result.messages.at(-1)?.content).toBe('Sorry, I could not save that.');

    const [noContent, number, badLabel, missingText, noBlock] = lastToolMessages();
    // LangChain's own schema check names the tool, the arguments and the field.
    expect(noContent).toMatch(/^Error invoking tool 'core_memory_append' with kwargs \{"label":"human"\}/);
    expect(noContent).toMatch(/expected string, received undefined\n\s+→ at content/);
    expect(number).toMatch(/^Error invoking tool 'archival_memory_insert'/);
    expect(number).toMatch(/expected string, received number\n\s+→ at content/);
    expect(badLabel).toMatch(/a block label is lower case: letters, digits and "_"\n\s+→ at label/);
    expect(missingText).toContain(
      'the text "Bob" is not in block "human"; copy the exact text from core memory',
    );
    expect(noBlock).toContain('no core memory block "diary"; the blocks are: persona, human');
    const statuses = result.messages
      .filter((message) => message.type === 'tool')
      .map((message) => (message as { status?: string }).status);
    expect(statuses).toEqual(['error', 'error', 'error', 'error', 'error']);

    expect(memgpt.state()).toEqual(before);
    expect(await memgpt.searchArchival('42', 5)).toEqual([]);
  });

  it('a tool called directly rejects malformed input by naming the field', async () => {
    const [insert] = createMemGPTMemoryTools(memgpt);
    await expect(insert.invoke({ content: '' } as never)).rejects.toThrow(/content/);
    await expect(insert.invoke({ text: 'hello' } as never)).rejects.toThrow(/content/);
    expect(memgpt.state().archivalCount).toBe(0);
  });
});
