import { ConfigError, DimensionMismatchError, LociError, ProviderError, StoreError } from '@loci/core';
import { StoreAccessError } from '@loci/lancedb';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { adviceFor, describeError, exitCodeFor } from './describe-error.js';

/** An error as another package raises it: a code and its facts, no CLI advice. */
function libraryError(
  code: string,
  category: 'user' | 'system',
  facts: Record<string, string> = {},
): LociError {
  return Object.assign(new LociError(`${code} happened`, { code, category }), facts);
}

describe('describeError', () => {
  it('prints a user error as its message alone when its code has no advice', () => {
    const text = describeError(new ConfigError('invalid loci config: k: too big'), { debug: false });
    expect(text).toBe('loci: invalid loci config: k: too big\n');
  });

  it('points system errors and unknown errors at LOCI_DEBUG', () => {
    expect(describeError(new StoreError('disk full'), { debug: false })).toMatch(
      /^loci: disk full\n.*--store.*\n\(rerun with LOCI_DEBUG=1/,
    );
    const text = describeError(new TypeError('x is undefined'), { debug: false });
    expect(text).toMatch(/^loci: unexpected error: x is undefined\n/);
    expect(text).toContain('LOCI_DEBUG=1');
    expect(text).not.toContain('    at ');
  });

  it('prints stacks and causes in debug mode', () => {
    const error = new LociError('outer', { code: 'x', category: 'system', cause: new Error('inner reason') });
    const text = describeError(error, { debug: true });
    expect(text).toContain('code x, category system');
    expect(text).toContain('    at ');
    expect(text).toContain('caused by: Error: inner reason');
  });

  it('describes thrown non-errors', () => {
    expect(describeError('just a string', { debug: false })).toMatch(
      /^loci: unexpected error: just a string/,
    );
  });

  it('adds the advice for a code after the facts', () => {
    const error = new CliError('invalid loci demo options: k: expected a whole number', {
      code: 'invalid_options',
      category: 'user',
      facts: { command: 'demo' },
    });
    expect(describeError(error, { debug: false })).toBe(
      'loci: invalid loci demo options: k: expected a whole number\nsee `loci demo --help` for the flags\n',
    );
  });
});

describe('advice by code', () => {
  it('an agent that exists: how to resume it, from the facts the error carries', () => {
    const error = libraryError('agent_exists', 'user', { agentId: 'ana', namespace: 'default' });
    expect(adviceFor(error)).toBe(
      'resume it with: loci chat --agent ana (without --new), or give --new another --agent id',
    );
    expect(exitCodeFor(error)).toBe(2);
    expect(adviceFor(libraryError('agent_not_found', 'user', { agentId: 'bo' }))).toContain(
      'loci chat --new --agent bo',
    );
  });

  it('provider failures: what to set', () => {
    const unauthorised = new ProviderError('chat failed with HTTP 401', { status: 401, code: 'http_401' });
    expect(adviceFor(unauthorised)).toMatch(/OPENAI_API_KEY.*--api-key/);
    expect(exitCodeFor(unauthorised)).toBe(1);
    expect(adviceFor(new ProviderError('x', { code: 'http_404' }))).toMatch(
      /--model \(LOCI_MODEL\).*--base-url/,
    );
    expect(adviceFor(new ProviderError('x', { code: 'timeout' }))).toContain('--base-url (OPENAI_BASE_URL)');
    expect(adviceFor(new ProviderError('x', { code: 'connection_failed' }))).toMatch(
      /start the server.*--base-url/,
    );
    // A provider failure without a known code gets no made-up advice.
    expect(adviceFor(new ProviderError('x'))).toBeUndefined();
  });

  it('store and embedder mismatches: give --store a new folder', () => {
    const mismatch = new DimensionMismatchError({ expected: 384, actual: 100 });
    expect(adviceFor(mismatch)).toContain('--store a new folder');
    expect(exitCodeFor(mismatch)).toBe(2);
    expect(adviceFor(new StoreError('x'))).toContain('give --store a writable folder');
    expect(adviceFor(libraryError('schema_mismatch', 'user'))).toContain('--store a new folder');
  });

  it('a store that refused access: the real cause, never "drop the table"', () => {
    const readOnly = new StoreAccessError({
      reason: 'read_only',
      uri: '/mnt/ro/store',
      path: '/mnt/ro',
      osCode: 'EROFS',
      what: 'cannot create the store folder /mnt/ro/store',
    });
    const text = describeError(readOnly, { debug: false });
    expect(text).toBe(
      'loci: cannot create the store folder /mnt/ro/store: /mnt/ro is on a read-only file system (EROFS)\n' +
        'that file system is mounted read-only: give --store a folder on a writable disk\n',
    );
    expect(exitCodeFor(readOnly)).toBe(2);
    const missing = new StoreAccessError({
      reason: 'credentials_missing',
      uri: 's3://b/p',
      what: 'cannot open',
    });
    expect(adviceFor(missing)).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(adviceFor(libraryError('store_access_denied', 'user'))).toContain('refused the credentials');
    expect(adviceFor(libraryError('store_permission_denied', 'user'))).toContain('this user can write');
    expect(adviceFor(libraryError('store_not_a_folder', 'user'))).toContain('a file is in the way');
    // A write that failed on a read-only folder, reported by the table as a plain store_failed.
    const write = new StoreError(
      'table "x": add failed: lance error: LanceError(IO): Read-only file system (os error 30) at path "/mnt/ro/store/x.lance"',
    );
    expect(adviceFor(write)).toContain('mounted read-only');
    for (const error of [readOnly, missing, write])
      expect(describeError(error, { debug: false })).not.toMatch(/drop/);
  });

  it('LLM configuration: the flags and the variables', () => {
    const missing = new CliError('no LLM is configured', { code: 'llm_not_configured', category: 'user' });
    const text = describeError(missing, { debug: false });
    expect(text).toMatch(/^loci: no LLM is configured\nPick one:/);
    expect(text).toContain('OPENAI_BASE_URL=http://localhost:11434/v1 LOCI_MODEL=llama3.1 pnpm loci chat');
    expect(exitCodeFor(missing)).toBe(2);
    const invalid = new CliError(
      'invalid environment: LOCI_CONTEXT_WINDOW: expected a positive whole number',
      {
        code: 'llm_config_invalid',
        category: 'user',
      },
    );
    expect(adviceFor(invalid)).toMatch(/--context-window.*LOCI_CONTEXT_WINDOW/);
    expect(adviceFor(libraryError('context_overflow', 'user'))).toContain('--context-window');
  });

  it('embedder models: rebuild, or make the home writable', () => {
    for (const code of ['model_folder_invalid', 'model_load_failed', 'manifest_corrupt']) {
      expect(adviceFor(libraryError(code, 'system'))).toContain('loci models build --force');
    }
    expect(adviceFor(libraryError('model_write_failed', 'system'))).toContain('LOCI_HOME');
    const vectors = libraryError('glove_vectors_missing', 'user');
    expect(adviceFor(vectors)).toContain('`loci models build`');
    expect(exitCodeFor(vectors)).toBe(2);
    const setup = new CliError('could not set up the built-in embedder in /x: EACCES', {
      code: 'embedder_setup_failed',
      category: 'system',
      facts: { home: '/x' },
    });
    expect(adviceFor(setup)).toContain('LOCI_HOME');
    expect(exitCodeFor(setup)).toBe(1);
  });

  it('errors that are not Loci errors get no advice and exit 1', () => {
    expect(adviceFor(new Error('x'))).toBeUndefined();
    expect(exitCodeFor(new Error('x'))).toBe(1);
  });
});
