// One shared clock for "running for …" durations, ticking once a second.
import { createRoot, createSignal } from "solid-js";

export const now = createRoot(() => {
  const [time, setTime] = createSignal(Date.now());
  setInterval(() => setTime(Date.now()), 1000);
  return time;
});
