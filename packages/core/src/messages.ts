/** A function call requested by the assistant. `arguments` is the raw JSON text the model produced. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string;
  /** Who is speaking when several people share a conversation. */
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  /** Plain content. In a MemGPT agent this is inner monologue, never shown to the user. */
  content: string | null;
  toolCalls?: ToolCall[];
}

export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  /** The tool's name, for providers and logs that want it. */
  name?: string;
  content: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;
export type ChatRole = ChatMessage['role'];
