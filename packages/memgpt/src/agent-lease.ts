import type { MemoryTable, RowOf } from '@loci/core';
import { where } from '@loci/core';
import { AgentLeaseLostError, AgentLockedError } from './agent-errors.js';
import type { leasesTable } from './tables.js';

type ClaimRow = RowOf<typeof leasesTable>;

export interface LeaseOptions {
  /** How long a lease lasts without renewal (default 30 s); it is renewed every third of that. */
  leaseMs?: number | undefined;
  /** Take over a lease whose holder let it expire (it crashed, was killed or is paused). */
  takeOver?: boolean | undefined;
  /** Wait up to this long for the holder to release its lease or let it expire, then take it. */
  waitForLeaseMs?: number | undefined;
}

/** The lease this process holds on one agent. */
export interface AgentLease {
  readonly owner: string;
  /** The fencing token: higher than that of every earlier holder. */
  readonly token: number;
  /** The highest state version any holder recorded (-1 when none): a loaded state older than that is a gap. */
  readonly recordedVersion: number;
  /** Fails with `agent_lease_lost` when a later holder has taken the lease. */
  check(): Promise<void>;
  /**
   * The check before a write: free while this holder's own lease is comfortably unexpired (no other
   * opener can take an unexpired lease), a store read otherwise — as after a pause past the expiry.
   */
  checkBeforeWrite(): Promise<void>;
  /**
   * Notes the state version just saved; it reaches the claim row with the next renewal (every third
   * of the lease) or the release, so a step pays no extra write for it.
   */
  recordSaved(version: number): void;
  /** Stops renewing and marks the lease released, so the next opener needs no take-over. */
  release(): Promise<void>;
}

const defaultLeaseMs = 30_000;
const attempts = 8;
// A claim this young may be a collision's loser about to withdraw: look again before refusing.
const settleMs = 2000;

/**
 * Acquires the single-writer lease of an agent from claim rows in the store.
 *
 * The store offers atomic appends and reads that see every append committed before they started,
 * but no transaction or conditional write (LanceDB on object storage has no locks). So a claim is
 * an append, and an opener wins only if, reading again after its append, its claim is the only one
 * above the top token it based itself on. Two openers A and B cannot both win: if A's read-back
 * did not see B's claim, B appended after that read, hence after A's append, so B's read-back sees
 * A's claim (which is above B's base, since B's first read came before A's append or B would have
 * found the lease held) and B loses. Openers that collide both lose, remove their claims, back off
 * at random and retry with a higher token. Whatever timing breaks (a process paused past its
 * expiry) the fencing token settles: state rows carry it, a load only accepts the highest token's
 * rows, and a holder checks before and after each save that no higher claim exists.
 */
export async function acquireLease(
  claims: MemoryTable<ClaimRow>,
  /** `namespace` is the user's (for errors); the claims live in `tableNamespace`, the agent's own. */
  facts: { namespace: string; agentId: string; tableNamespace: string },
  options: LeaseOptions = {},
): Promise<AgentLease> {
  const leaseMs = options.leaseMs ?? defaultLeaseMs;
  const owner = `${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const { agentId, tableNamespace: namespace } = facts;
  const readAll = () => claims.query({ namespace, filter: where.eq('agentId', agentId), limit: 10_000 });
  const deadline = Date.now() + (options.waitForLeaseMs ?? 0);

  // Bounded: `attempts` collisions or looks at an unsettled claim, and waiting until the deadline.
  let collisions = 0;
  for (let attempt = 0; ; attempt++) {
    const seen = await readAll();
    const top = topClaims(seen);
    const base = top[0]?.token ?? 0;
    const recordedVersion = Math.max(-1, ...seen.map((claim) => claim.stateVersion));
    const live = top.filter((claim) => !claim.released);
    const holder = live[0];
    const now = Date.now();
    const unsettled =
      live.length > 1 || (holder !== undefined && now - holder.acquiredAt.getTime() < settleMs);
    if (holder && unsettled && attempt < attempts) {
      await sleep(100 + Math.random() * 200 * (attempt + 1));
      continue;
    }
    if (holder) {
      const expired = holder.expiresAt.getTime() <= now;
      const waiting = now < deadline;
      if (!expired && waiting) {
        await sleep(Math.min(250, deadline - now));
        continue;
      }
      if (!expired || !(options.takeOver || options.waitForLeaseMs !== undefined)) {
        throw new AgentLockedError({
          agentId,
          namespace: facts.namespace,
          owner: holder.owner,
          since: holder.acquiredAt,
          expiresAt: holder.expiresAt,
          expired,
        });
      }
    }
    const mine: ClaimRow = {
      id: `${agentId}:${base + 1}:${owner}`,
      agentId,
      token: base + 1,
      owner,
      acquiredAt: new Date(now),
      expiresAt: new Date(now + leaseMs),
      released: false,
      stateVersion: recordedVersion,
    };
    await claims.add({ namespace, rows: [mine] });
    const above = (await readAll()).filter((claim) => claim.token > base);
    if (above.length === 1 && above[0]?.id === mine.id) {
      // Old claims are history only; keep a few for the record.
      await claims
        .delete({ namespace, filter: where.and(where.eq('agentId', agentId), where.lt('token', base - 8)) })
        .catch(() => undefined);
      return startLease(claims, { tableNamespace: namespace, namespace: facts.namespace }, mine, leaseMs);
    }
    await withdraw(claims, namespace, mine);
    if (++collisions >= attempts) {
      const other = above.find((claim) => claim.id !== mine.id) ?? mine;
      throw new AgentLockedError({
        agentId,
        namespace: facts.namespace,
        owner: other.owner,
        since: other.acquiredAt,
        expiresAt: other.expiresAt,
        expired: false,
      });
    }
    await sleep(20 + Math.random() * 80 * collisions);
  }
}

/** Removes a losing claim; if the store keeps refusing the delete, marks it released instead. */
async function withdraw(claims: MemoryTable<ClaimRow>, namespace: string, claim: ClaimRow): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await claims.delete({ namespace, ids: [claim.id] });
      return;
    } catch {
      await sleep(50 + Math.random() * 100);
    }
  }
  await claims.upsert({ namespace, rows: [{ ...claim, released: true, expiresAt: new Date() }] });
}

/** The claims with the highest token (several only while openers collide). */
function topClaims(claims: readonly ClaimRow[]): ClaimRow[] {
  const top = Math.max(0, ...claims.map((claim) => claim.token));
  return claims.filter((claim) => claim.token === top && top > 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function startLease(
  claims: MemoryTable<ClaimRow>,
  names: { tableNamespace: string; namespace: string },
  claim: ClaimRow,
  leaseMs: number,
): AgentLease {
  const namespace = names.tableNamespace;
  let row = claim;
  let lost: AgentLeaseLostError | undefined;
  let released = false;
  // The newest state version saved under this lease, written to the claim lazily.
  let savedVersion = claim.stateVersion;

  async function check(): Promise<void> {
    if (lost) throw lost;
    const newer = await claims.query({
      namespace,
      filter: where.and(where.eq('agentId', row.agentId), where.gt('token', row.token)),
      limit: 1,
    });
    if (newer[0]) {
      lost = new AgentLeaseLostError({
        agentId: row.agentId,
        namespace: names.namespace,
        token: row.token,
        holder: newer[0].owner,
        holderToken: newer[0].token,
      });
      clearInterval(timer);
      throw lost;
    }
  }

  async function renew(): Promise<void> {
    await check();
    const next = {
      ...row,
      stateVersion: Math.max(row.stateVersion, savedVersion),
      expiresAt: new Date(Date.now() + leaseMs),
    };
    await claims.upsert({ namespace, rows: [next] });
    // Only an expiry the store holds may be trusted by checkBeforeWrite.
    row = next;
  }

  async function checkBeforeWrite(): Promise<void> {
    if (lost) throw lost;
    // A third of the lease as margin for clock skew between the processes sharing the store.
    if (!released && Date.now() < row.expiresAt.getTime() - leaseMs / 3) return;
    await check();
  }

  // Renewal runs in the background; a failure is seen by the next save (check) or by expiry.
  const timer = setInterval(() => {
    if (!released) renew().catch(() => undefined);
  }, leaseMs / 3);
  timer.unref();

  return {
    owner: row.owner,
    token: row.token,
    recordedVersion: row.stateVersion,
    check,
    checkBeforeWrite,
    recordSaved(version) {
      savedVersion = Math.max(savedVersion, version);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (lost) return;
      row = {
        ...row,
        released: true,
        expiresAt: new Date(),
        stateVersion: Math.max(row.stateVersion, savedVersion),
      };
      await claims.upsert({ namespace, rows: [row] });
    },
  };
}
