// The management key lives in sessionStorage (never in a URL) and in a signal, so signing out
// anywhere re-renders the sign-in screen.
import { createSignal } from "solid-js";

const STORAGE_KEY = "flowjobs.managementKey";

function stored(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

const [key, setKeySignal] = createSignal<string | null>(stored());

export const currentKey = key;

export function saveKey(value: string) {
  sessionStorage.setItem(STORAGE_KEY, value);
  setKeySignal(value);
}

export function clearKey() {
  sessionStorage.removeItem(STORAGE_KEY);
  setKeySignal(null);
}
