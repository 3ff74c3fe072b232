// The live jobs list: the first page is polled every 2 s with If-None-Match (304 when nothing
// changed), older pages are loaded on demand with the keyset cursor, and rows are reconciled by
// job id so the table never jumps. Also the per-state counts for the filter chips.
import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { problemOf, ProblemError, qs, send } from "../api/client";
import type { JobPage, JobSummary } from "../api/types";
import { JOB_STATE_ORDER } from "./states";

export const POLL_MS = 2000;
export const PAGE_SIZE = 50;
export const COUNT_LIMIT = 200;

export interface JobFilters {
  state?: string;
  flow?: string;
  q?: string;
}

/** The polled first page, followed by the already loaded older rows it does not cover. */
export function mergePolled(firstPage: JobSummary[], loaded: JobSummary[], hasMore: boolean): JobSummary[] {
  if (!hasMore || firstPage.length === 0) return firstPage;
  const oldest = firstPage[firstPage.length - 1].jobId;
  const seen = new Set(firstPage.map((job) => job.jobId));
  return [...firstPage, ...loaded.filter((job) => job.jobId < oldest && !seen.has(job.jobId))];
}

/** The chip's count: the number, or "200+" when the one counting request hit its limit. */
export function countLabel(count: { n: number; more: boolean } | undefined): string {
  if (!count) return "";
  return count.more ? `${count.n}+` : String(count.n);
}

async function fetchPage(params: Record<string, string | number | undefined>, etag?: string) {
  const response = await send(`/api/jobs${qs(params)}`, { headers: etag ? { "if-none-match": etag } : {} });
  if (response.status === 304) return { changed: false as const };
  if (!response.ok) throw new ProblemError(await problemOf(response));
  return { changed: true as const, page: (await response.json()) as JobPage, etag: response.headers.get("etag") ?? undefined };
}

export function createJobList(filters: () => JobFilters, options: { counts?: boolean } = {}) {
  const [store, setStore] = createStore({ items: [] as JobSummary[] });
  const [nextCursor, setNextCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [counts, setCounts] = createStore<Record<string, { n: number; more: boolean }>>({});
  let etag: string | undefined;
  const countTags: Record<string, string | undefined> = {};
  let generation = 0;
  let ticks = 0;

  const base = () => ({ state: filters().state, flow: filters().flow, q: filters().q });

  async function refresh(reset: boolean) {
    const mine = reset ? ++generation : generation;
    const limit = Math.min(Math.max(store.items.length, PAGE_SIZE), COUNT_LIMIT);
    try {
      const result = await fetchPage({ ...base(), limit: reset ? PAGE_SIZE : limit }, reset ? undefined : etag);
      if (mine !== generation) return;
      setError(undefined);
      if (!result.changed) return false;
      etag = result.etag;
      const hasMore = !reset && store.items.length > result.page.items.length;
      setStore("items", reconcile(mergePolled(result.page.items, store.items, hasMore), { key: "jobId" }));
      if (!hasMore) setNextCursor(result.page.nextCursor);
      return true;
    } catch (caught) {
      if (mine === generation) setError(caught);
      return false;
    } finally {
      if (mine === generation) setLoading(false);
    }
  }

  async function refreshCounts() {
    const { flow, q } = base();
    await Promise.all(
      JOB_STATE_ORDER.map(async (state) => {
        try {
          const result = await fetchPage({ state, flow, q, limit: COUNT_LIMIT }, countTags[state]);
          if (!result.changed) return;
          countTags[state] = result.etag;
          setCounts(state, { n: result.page.items.length, more: result.page.nextCursor !== null });
        } catch {
          // Counts are a hint; the list shows the error.
        }
      }),
    );
  }

  async function loadMore() {
    const cursor = nextCursor();
    if (!cursor || loadingMore()) return;
    const mine = generation;
    setLoadingMore(true);
    try {
      const result = await fetchPage({ ...base(), cursor, limit: PAGE_SIZE });
      if (mine !== generation || !result.changed) return;
      const seen = new Set(store.items.map((job) => job.jobId));
      setStore("items", (items) => [...items, ...result.page.items.filter((job) => !seen.has(job.jobId))]);
      setNextCursor(result.page.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoadingMore(false);
    }
  }

  createEffect(
    on(
      () => JSON.stringify(base()),
      () => {
        setLoading(true);
        etag = undefined;
        for (const state of Object.keys(countTags)) countTags[state] = undefined;
        void refresh(true);
        if (options.counts) void refreshCounts();
      },
    ),
  );

  const timer = setInterval(async () => {
    if (document.hidden) return;
    ticks++;
    const changed = await refresh(false);
    if (options.counts && (changed || ticks % 3 === 0)) void refreshCounts();
  }, POLL_MS);
  onCleanup(() => clearInterval(timer));

  return {
    get items() {
      return store.items;
    },
    counts,
    nextCursor,
    loading,
    loadingMore,
    error,
    loadMore,
    refresh: async () => {
      await refresh(false);
      if (options.counts) await refreshCounts();
    },
  };
}
