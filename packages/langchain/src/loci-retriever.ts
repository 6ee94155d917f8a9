import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { Memory } from '@loci/core';

/** Constructor argument of `LociRetriever`; `k` (default 5) and `tokenBudget` go to `Memory.recall`. */
export interface LociRetrieverInput extends BaseRetrieverInput {
  memory: Memory;
  /** The Loci namespace to recall from. */
  namespace: string;
  k?: number;
  tokenBudget?: number;
}

/**
 * A LangChain retriever over any Loci `Memory`. Each `Document` carries its provenance in metadata:
 * `sources` (the turn ids it came from), `score`, `kind` and, when known, `at`.
 */
export class LociRetriever extends BaseRetriever {
  static override lc_name(): string {
    return 'LociRetriever';
  }
  lc_namespace = ['loci', 'retrievers'];
  private readonly memory: Memory;
  private readonly namespace: string;
  private readonly k: number;
  private readonly tokenBudget: number | undefined;

  constructor(input: LociRetrieverInput) {
    super(input);
    this.memory = input.memory;
    this.namespace = input.namespace;
    this.k = input.k ?? 5;
    this.tokenBudget = input.tokenBudget;
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document[]> {
    const items = await this.memory.recall({
      namespace: this.namespace,
      query,
      k: this.k,
      ...(this.tokenBudget === undefined ? {} : { tokenBudget: this.tokenBudget }),
    });
    return items.map(
      (item) =>
        new Document({
          pageContent: item.text,
          metadata: {
            sources: item.sources,
            score: item.score,
            kind: item.kind,
            tokens: item.tokens,
            ...(item.at === undefined ? {} : { at: item.at.toISOString() }),
          },
        }),
    );
  }
}
