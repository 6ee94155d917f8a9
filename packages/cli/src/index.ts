export { type DemoIo, type DemoOptions, registerDemo, runDemo } from './commands/demo.js';
export {
  type DemoConversation,
  type DemoQuestion,
  type DemoSession,
  type DemoTurn,
  demoConversationPath,
  loadDemoConversation,
  parseDemoConversation,
} from './demo-conversation.js';
export type { AnsweredQuestion, DemoReport, IngestResult, RecallSummary } from './demo-run.js';

export const VERSION = '0.1.0';
