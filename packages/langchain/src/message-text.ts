import type { BaseMessage } from '@langchain/core/messages';

/** The plain text of a LangChain message: string content, or the text parts of structured content. */
export function messageText(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content
    .map((part) =>
      typeof part === 'string'
        ? part
        : part.type === 'text' && typeof part['text'] === 'string'
          ? part['text']
          : '',
    )
    .filter((text) => text.length > 0)
    .join('\n');
}
