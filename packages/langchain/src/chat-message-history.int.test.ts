import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { ChatOpenAI } from '@langchain/openai';
import { createLanceStore } from '@loci/lancedb';
import { chatRequestBody, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { expect, it } from 'vitest';
import { LociChatMessageHistory } from './chat-message-history.js';

it('keeps every message type in order, per conversation, across store reopenings', async () => {
  const dir = await makeTempDir('loci-lc-history-');
  try {
    const store = await createLanceStore({ uri: dir.path });
    const history = new LociChatMessageHistory({ store, namespace: 'session-1' });
    await history.addMessages([
      new SystemMessage('be brief'),
      new HumanMessage('hi'),
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'c1', name: 'lookup', args: { q: 'x' }, type: 'tool_call' }],
      }),
      new ToolMessage({ content: 'found', tool_call_id: 'c1' }),
      new AIMessage('hello'),
    ]);
    await history.addUserMessage('second');
    await new LociChatMessageHistory({ store, namespace: 'session-2' }).addUserMessage('other conversation');
    await store.close();

    const reopened = await createLanceStore({ uri: dir.path });
    const again = new LociChatMessageHistory({ store: reopened, namespace: 'session-1' });
    const messages = await again.getMessages();
    expect(messages.map((message) => [message.type, message.content])).toEqual([
      ['system', 'be brief'],
      ['human', 'hi'],
      ['ai', ''],
      ['tool', 'found'],
      ['ai', 'hello'],
      ['human', 'second'],
    ]);
    expect((messages[2] as AIMessage).tool_calls?.[0]).toMatchObject({
      id: 'c1',
      name: 'lookup',
      args: { q: 'x' },
    });
    await again.clear();
    expect(await again.getMessages()).toEqual([]);
    expect(
      await new LociChatMessageHistory({ store: reopened, namespace: 'session-2' }).getMessages(),
    ).toHaveLength(1);
    await reopened.close();
  } finally {
    await dir.remove();
  }
});

it('works with RunnableWithMessageHistory: the second turn sees the first', async () => {
  const dir = await makeTempDir('loci-lc-history-');
  const server = await startScriptedServer();
  try {
    const store = await createLanceStore({ uri: dir.path });
    const prompt = ChatPromptTemplate.fromMessages([
      new MessagesPlaceholder('history'),
      ['human', '{input}'],
    ]);
    const model = new ChatOpenAI({
      model: 'scripted',
      apiKey: 'test',
      maxRetries: 0,
      configuration: { baseURL: server.url },
    });
    const chain = new RunnableWithMessageHistory({
      runnable: prompt.pipe(model),
      getMessageHistory: (sessionId: string) => new LociChatMessageHistory({ store, namespace: sessionId }),
      inputMessagesKey: 'input',
      historyMessagesKey: 'history',
    });
    server.enqueue({ content: 'Nice to meet you, Ada.' }, { content: 'You are Ada.' });
    const config = { configurable: { sessionId: 'ada-thread' } };
    await chain.invoke({ input: 'I am Ada.' }, config);
    await chain.invoke({ input: 'Who am I?' }, config);
    const sent = chatRequestBody(server.chatRequests()[1] as never).messages;
    expect(sent.map((message) => [message.role, message.content])).toEqual([
      ['user', 'I am Ada.'],
      ['assistant', 'Nice to meet you, Ada.'],
      ['user', 'Who am I?'],
    ]);
    await store.close();
  } finally {
    await server.close();
    await dir.remove();
  }
});
