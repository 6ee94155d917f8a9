import OpenAI from 'openai';
import { errorBodies } from './provider-error.js';

export interface ClientSettings {
  apiKey: string;
  baseURL: string;
  organization?: string;
  headers?: Record<string, string>;
}

const openAIBaseURL = 'https://api.openai.com/v1';

/** Local servers ignore the key, but the SDK insists on one. */
export const placeholderApiKey = 'not-needed';

export function resolveApiKey(apiKey: string | undefined, baseURL: string | undefined): string | undefined {
  return apiKey ?? process.env['OPENAI_API_KEY'] ?? (baseURL === undefined ? undefined : placeholderApiKey);
}

/**
 * The SDK client with its own retries off: Loci retries itself so the policy is one, tested thing.
 * Its fetch keeps a copy of error bodies so `ProviderError` can quote what the server said.
 */
export function createClient(settings: ClientSettings): OpenAI {
  const capturingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.ok) {
      const text = await response
        .clone()
        .text()
        .catch(() => '');
      errorBodies.set(response.headers, text);
    }
    return response;
  };
  return new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    maxRetries: 0,
    fetch: capturingFetch,
    // Failures reach the caller as ProviderErrors; the SDK would also print some (a broken stream event) to the console.
    logLevel: 'off',
    ...(settings.organization === undefined ? {} : { organization: settings.organization }),
    ...(settings.headers === undefined ? {} : { defaultHeaders: settings.headers }),
  });
}

export function baseURLOrDefault(baseURL: string | undefined): string {
  return baseURL ?? openAIBaseURL;
}

/** The base URL for error messages, without any credentials written into it. */
export function describeEndpoint(baseURL: string): string {
  const url = new URL(baseURL);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString().replace(/\/$/, '');
}
