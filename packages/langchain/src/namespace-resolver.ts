/** What middleware, tools and retrievers know about the current run when they pick a Loci namespace. */
export interface MemoryRuntime {
  readonly context?: unknown;
  readonly configurable?: { thread_id?: string; [key: string]: unknown };
}

/** A fixed Loci namespace, or one picked per run (for example from `runtime.context.userId`). */
export type NamespaceResolver = string | ((runtime: MemoryRuntime) => string);

export function resolveNamespace(resolver: NamespaceResolver, runtime: MemoryRuntime): string {
  const namespace = typeof resolver === 'string' ? resolver : resolver(runtime);
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new TypeError('the Loci namespace resolver returned an empty or non-string namespace');
  }
  return namespace;
}
