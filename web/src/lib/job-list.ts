// The live jobs list: the first page is polled every 2 s with If-None-Match (304 when nothing
// changed), older pages are loaded on demand with the keyset cursor, and rows are reconciled by
// job id so the table never jumps. Also the per-state counts for the filter chips (one conditional
// request to /api/jobs/counts, sent after the first page so it never delays it).
import { createComputed, createSignal, on, onCleanup } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { problemOf, ProblemError, qs, send } from "../api/client";
import type { JobCounts, JobPage, JobSummary, StateCount } from "../api/types";
import { keepingRowInView } from "./scroll-anchor";

export const POLL_MS = 2000;
export const PAGE_SIZE = 50;
/** The most rows kept live: the polled first page grows with "Load more" up to this. */
export const LIVE_LIMIT = 200;

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

/** The chip's count: the number, or "1,000+" when the count stopped at the server's cap. */
export function countLabel(count: StateCount | undefined): string {
  if (!count) return "";
  const n = count.count.toLocaleString("en-US");
  return count.more ? `${n}+` : n;
}

/** A GET with If-None-Match: `changed: false` on 304. */
async function fetchIfChanged<T>(path: string, etag?: string) {
  const response = await send(path, { headers: etag ? { "if-none-match": etag } : {} });
  if (response.status === 304) return { changed: false as const };
  if (!response.ok) throw new ProblemError(await problemOf(response));
  return { changed: true as const, body: (await response.json()) as T, etag: response.headers.get("etag") ?? undefined };
}

const fetchPage = (params: Record<string, string | number | undefined>, etag?: string) => fetchIfChanged<JobPage>(`/api/jobs${qs(params)}`, etag);

/**
 * `counts`: also keep the per-state counts. `keepInView`: the selector of the list's rows on the
 * page, to hold the row being read in place as polled updates land (the main jobs table).
 */
export function createJobList(filters: () => JobFilters, options: { counts?: boolean; keepInView?: string } = {}) {
  const [store, setStore] = createStore({ items: [] as JobSummary[] });
  const [nextCursor, setNextCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(true);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [counts, setCounts] = createStore<Partial<JobCounts["counts"]>>({});
  let etag: string | undefined;
  let countsTag: string | undefined;
  let generation = 0;
  let ticks = 0;

  const base = () => ({ state: filters().state, flow: filters().flow, q: filters().q });

  async function refresh(reset: boolean) {
    const mine = reset ? ++generation : generation;
    const limit = Math.min(Math.max(store.items.length, PAGE_SIZE), LIVE_LIMIT);
    try {
      const result = await fetchPage({ ...base(), limit: reset ? PAGE_SIZE : limit }, reset ? undefined : etag);
      if (mine !== generation) return;
      setError(undefined);
      if (!result.changed) return false;
      etag = result.etag;
      const hasMore = !reset && store.items.length > result.body.items.length;
      const rows = mergePolled(result.body.items, store.items, hasMore);
      const apply = () => setStore("items", reconcile(rows, { key: "jobId" }));
      if (options.keepInView && !reset) keepingRowInView(options.keepInView, "data-job-id", apply);
      else apply();
      if (!hasMore) setNextCursor(result.body.nextCursor);
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
    const mine = generation;
    try {
      const result = await fetchIfChanged<JobCounts>(`/api/jobs/counts${qs({ flow, q })}`, countsTag);
      if (mine !== generation || !result.changed) return;
      countsTag = result.etag;
      setCounts(result.body.counts);
    } catch {
      // Counts are a hint; the list shows the error.
    }
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
      setStore("items", (items) => [...items, ...result.body.items.filter((job) => !seen.has(job.jobId))]);
      setNextCursor(result.body.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoadingMore(false);
    }
  }

  // A computation, not an effect: effects under a Suspense boundary wait for it to resolve, and the
  // first page should be requested at once, alongside the page's other reads.
  createComputed(
    on(
      () => JSON.stringify(base()),
      () => {
        setLoading(true);
        etag = undefined;
        countsTag = undefined;
        const first = refresh(true);
        if (options.counts) void first.then(refreshCounts);
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
