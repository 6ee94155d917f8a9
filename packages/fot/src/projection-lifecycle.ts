import { LociError, StoreError, where } from '@loci/core';
import type { ReprojectReport } from './focused-memory-types.js';
import {
  exclusive,
  type NamespaceState,
  type Serving,
  type StateRow,
  type TableHandles,
} from './namespace-state.js';
import { isIdentity, type Projection, projector } from './projection.js';
import { parseProjection, serializeProjection, toProjection } from './projection-format.js';
import { projectStoredKeys } from './reprojection.js';

export const identityServing: Serving = { version: 0, projection: undefined, project: (x) => x };

/**
 * Storing, loading and switching projections of a namespace. The protocol: weights row `v<n>`,
 * then the state row marks `n` pending; focused keys of `n` are written page by page while the
 * serving version answers searches; once every key has its row the state row makes `n` active
 * (one row write: the switch), and older versions' rows are dropped in the background.
 */
export function createProjectionLifecycle(context: {
  dimensions: number;
  pageSize: number;
  tables: () => Promise<TableHandles>;
  state: (namespace: string) => Promise<NamespaceState>;
  detach: (work: Promise<unknown>) => void;
}) {
  const { dimensions } = context;

  async function servingFor(namespace: string, version: number): Promise<Serving> {
    const { projections } = await context.tables();
    const [row] = await projections.get({ namespace, ids: [`v${version}`] });
    if (!row) {
      throw new LociError(`projection version ${version} is missing from the store`, {
        code: 'fot_projection_missing',
        category: 'system',
      });
    }
    const projection = parseProjection(row.payload, dimensions);
    return { version, projection, project: projector(projection) };
  }

  async function saveState(namespace: string, current: NamespaceState, next: StateRow): Promise<void> {
    const { projections } = await context.tables();
    await projections.upsert({
      namespace,
      rows: [{ id: 'state', version: next.active, payload: JSON.stringify(next), updated_at: new Date() }],
    });
    current.stored = next;
  }

  /** Drops focused rows and weights of versions that neither serve nor are being written. */
  async function cleanup(namespace: string): Promise<void> {
    const current = await context.state(namespace);
    const { focused, projections } = await context.tables();
    await exclusive(current, async () => {
      const { active, pending } = current.stored;
      const keep = pending === null ? [active] : [active, pending];
      await focused.delete({ namespace, filter: where.not(where.in('version', keep)) });
      const rows = await projections.query({ namespace, filter: where.ne('id', 'state') });
      const stale = rows.filter((row) => !keep.includes(row.version)).map((row) => row.id);
      if (stale.length > 0) await projections.delete({ namespace, ids: stale });
    });
  }

  async function begin(namespace: string, current: NamespaceState, projection: Projection): Promise<number> {
    const { projections } = await context.tables();
    return exclusive(current, async () => {
      const version = current.stored.lastVersion + 1;
      const payload = JSON.stringify(serializeProjection(projection));
      await projections.upsert({
        namespace,
        rows: [{ id: `v${version}`, version, payload, updated_at: new Date() }],
      });
      await saveState(namespace, current, { ...current.stored, pending: version, lastVersion: version });
      return version;
    });
  }

  /** Applies `input` (or resumes the pending version when undefined) and switches to it when complete. */
  async function reproject(
    namespace: string,
    input: unknown,
    signal?: AbortSignal,
  ): Promise<ReprojectReport | undefined> {
    const current = await context.state(namespace);
    const { keys, focused } = await context.tables();
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let serving: Serving;
    if (input === undefined) {
      if (current.stored.pending === null) return undefined;
      serving = await servingFor(namespace, current.stored.pending);
    } else {
      const projection = toProjection(input, dimensions);
      if (isIdentity(projection)) {
        await exclusive(current, async () => {
          await saveState(namespace, current, { ...current.stored, active: 0, pending: null });
          current.serving = identityServing;
          delete current.fault;
        });
        context.detach(cleanup(namespace));
        return { version: 0, written: 0, resumed: false, seconds: seconds() };
      }
      const version = await begin(namespace, current, projection);
      serving = { version, projection, project: projector(projection) };
    }
    const { version } = serving;
    const pass = {
      keys,
      focused,
      namespace,
      version,
      project: serving.project,
      pageSize: context.pageSize,
      ...(signal ? { signal } : {}),
    };
    let { written } = await projectStoredKeys({ ...pass, exclusive: (work) => exclusive(current, work) });
    await exclusive(current, async () => {
      // Keys written between the last page and this lock (a write in flight while training ran
      // in the background) are projected here, under the same lock as the switch.
      written += (await projectStoredKeys({ ...pass, exclusive: (work) => work() })).written;
      const [all, done] = await Promise.all([
        keys.count({ namespace }),
        focused.count({ namespace, filter: where.eq('version', version) }),
      ]);
      if (all !== done) {
        throw new StoreError(
          `re-projection ${version} covers ${done} of ${all} keys; the previous projection keeps serving`,
          { code: 'fot_reprojection_incomplete' },
        );
      }
      // A newer re-projection started meanwhile: it switches when it is done.
      if (current.stored.pending !== version) return;
      await saveState(namespace, current, { ...current.stored, active: version, pending: null });
      current.serving = serving;
      delete current.fault;
    });
    context.detach(cleanup(namespace));
    return { version, written, resumed: input === undefined, seconds: seconds() };
  }

  return { servingFor, saveState, reproject };
}
