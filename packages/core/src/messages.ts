/** A function call requested by the assistant. `arguments` is the raw JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Instructions for the model. */
export interface SystemMessage {
  role: 'system';
  content: string;
}

/** What a person said. */
export interface UserMessage {
  role: 'user';
  content: string;
  /** Who is speaking when several people share a conversation. */
  name?: string;
}

/** A model's reply: text, tool calls, or both. */
export interface AssistantMessage {
  role: 'assistant';
  /** Plain content. In a MemGPT agent this is inner monologue, never shown to the user. */
  content: string | null;
  toolCalls?: ToolCall[];
}

/** The result of one tool call, answering the call with id `toolCallId`. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  /** The tool's name, for providers and logs that want it. */
  name?: string;
  content: string;
}

/** Any message of a conversation, told apart by `role`. */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;
/** `system`, `user`, `assistant` or `tool`. */
export type ChatRole = ChatMessage['role'];
