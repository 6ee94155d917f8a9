import {
  countTokens,
  type EmbeddingModel,
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
  ProviderError,
} from '@loci/core';
import { hashedBagOfWords } from '@loci/testing/scripted-server';

/** A deterministic embedder: hashed bag of words, so texts sharing words are near. */
export function bagOfWordsEmbedder(dimensions = 64): EmbeddingModel & { calls: number } {
  const embedder = {
    provider: 'test',
    modelId: `bag-of-words-${dimensions}`,
    dimensions,
    maxBatchSize: 16,
    calls: 0,
    async embed(texts: string[]) {
      embedder.calls++;
      return texts.map((text) => Float32Array.from(hashedBagOfWords(text, dimensions)));
    },
  };
  return embedder;
}

export interface PromptTurnLine {
  id: string;
  time: string;
  speaker: string;
  text: string;
}

/** The turns and existing thoughts as the post-think prompt lists them. */
export function readPrompt(options: GenerateOptions): {
  turns: PromptTurnLine[];
  existing: { id: string; subject: string; text: string }[];
  prompt: string;
} {
  const prompt = String(options.messages.at(-1)?.content ?? '');
  const [existingPart = '', turnsPart = ''] = prompt.split('\n\nTurns:\n');
  const lines = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, string>);
  return {
    turns: lines(turnsPart) as unknown as PromptTurnLine[],
    existing: lines(existingPart) as unknown as { id: string; subject: string; text: string }[],
    prompt,
  };
}

export type Reply =
  | unknown
  | Error
  | ((options: GenerateOptions) => unknown | Error | Promise<unknown | Error>);

/**
 * A `LanguageModel` double that records its calls and answers each with the next queued reply (an
 * object for `responseSchema`, or an Error to throw). An object that does not match the schema is
 * refused the way the OpenAI adapter refuses it (ProviderError `invalid_response_object`).
 */
export function recordingModel(fallback?: Reply): LanguageModel & {
  calls: GenerateOptions[];
  queue: Reply[];
} {
  const calls: GenerateOptions[] = [];
  const queue: Reply[] = [];
  return {
    provider: 'test',
    modelId: 'recording',
    contextWindow: 32_000,
    calls,
    queue,
    async generate(options): Promise<GenerateResult> {
      calls.push(options);
      let reply = queue.length > 0 ? queue.shift() : fallback;
      if (reply === undefined) throw new ProviderError('no reply queued', { code: 'test_no_reply' });
      if (typeof reply === 'function') reply = await (reply as (o: GenerateOptions) => unknown)(options);
      if (reply instanceof Error) throw reply;
      const parsed = options.responseSchema?.safeParse(reply);
      if (parsed && !parsed.success) {
        throw new ProviderError('structured reply does not match', { code: 'invalid_response_object' });
      }
      const content = JSON.stringify(reply);
      const inputTokens = countTokens(JSON.stringify(options.messages));
      const outputTokens = countTokens(content);
      return {
        message: { role: 'assistant', content },
        toolCalls: [],
        usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
        finishReason: 'stop',
        object: parsed ? parsed.data : reply,
      };
    },
  };
}

/** Post-thinking that keeps every turn as one thought about its speaker. */
export function echoThoughts(options: GenerateOptions) {
  return {
    thoughts: readPrompt(options).turns.map((turn) => ({
      subject: turn.speaker,
      relation: 'said',
      object: turn.text,
      text: `${turn.speaker} said: ${turn.text}`,
      sources: [turn.id],
      label: 'new',
    })),
  };
}
