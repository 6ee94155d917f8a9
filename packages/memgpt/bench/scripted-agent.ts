// What the scripted server answers in the replay: a test double of an agent's LLM, not a model, so
// the figures measure Loci's own work per step with the LLM's time taken out.
import { chatRequestBody, type RecordedRequest, type ScriptedReply } from '@loci/testing/scripted-server';

// Usage is given so the test server does not tokenize every prompt in this process.
const usage = { prompt_tokens: 0, completion_tokens: 0 };

/**
 * Mostly a reply, every 20th turn a conversation_search first (for the person the turn names, who
 * is in about a tenth of the turns), every 50th an archival insert, as an agent would.
 */
export function scriptedAgentReply(request: RecordedRequest): ScriptedReply {
  return { usage, ...scriptedAgentAction(chatRequestBody(request)) };
}

export function scriptedAgentAction(body: ReturnType<typeof chatRequestBody>): ScriptedReply {
  if (body.tools === undefined) {
    // A recursive-summary request.
    return {
      content:
        'The user shares daily stories about friends, trips and hobbies; details are in recall storage.',
    };
  }
  const last = body.messages.at(-1);
  if (last?.role !== 'user' || typeof last.content !== 'string' || !last.content.startsWith('Turn ')) {
    return {
      content: 'Answer now.',
      toolCalls: [{ name: 'send_message', arguments: { message: 'Got it.' } }],
    };
  }
  const turn = Number(/^Turn (\d+)/.exec(last.content)?.[1] ?? 0);
  const words = last.content.split(/\s+/);
  if (turn % 20 === 0) {
    return {
      content: 'Check what was said before.',
      toolCalls: [
        { name: 'conversation_search', arguments: { query: words[2] ?? 'trip', request_heartbeat: true } },
      ],
    };
  }
  if (turn % 50 === 0) {
    return {
      content: 'Worth keeping.',
      toolCalls: [
        { name: 'archival_memory_insert', arguments: { content: last.content, request_heartbeat: true } },
      ],
    };
  }
  return {
    content: 'Acknowledge briefly.',
    toolCalls: [{ name: 'send_message', arguments: { message: `Noted (${turn}).` } }],
  };
}
