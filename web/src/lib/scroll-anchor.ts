// Keeps what the reader is looking at in place while a live update changes the rows above it.
// The browser's own scroll anchoring gives up when a list's nodes are moved, which a keyed
// reconcile does as new jobs push old ones off the polled page; this does it by hand.

/**
 * Applies `update` (which changes the DOM synchronously) and scrolls so the first row in view stays
 * where it was. At the very top nothing is held: new jobs appearing above is the live list working.
 */
export function keepingRowInView(rows: string, key: string, update: () => void) {
  const anchor = window.scrollY > 0 ? [...document.querySelectorAll<HTMLElement>(rows)].find((row) => row.getBoundingClientRect().bottom > 0) : undefined;
  const id = anchor?.getAttribute(key);
  if (!anchor || !id) return update();
  const topBefore = anchor.getBoundingClientRect().top;
  update();
  const after = document.querySelector<HTMLElement>(`${rows}[${key}="${CSS.escape(id)}"]`);
  if (after) window.scrollBy({ top: after.getBoundingClientRect().top - topBefore, behavior: "instant" });
}
