// The space's schedules: flows started at the times a cron pattern names — create, edit, enable,
// delete, and for each its next slot and what its last firing did (the job, or why none started).
import { A, createAsync, createAsyncStore, useAction } from "@solidjs/router";
import { createMemo, createSignal, For, Show } from "solid-js";
import { createSchedule, deleteSchedule, getRules, getSchedules, runScheduleNow, updateSchedule } from "../api/queries";
import type { NewSchedule, RuleSummary, Schedule } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { EmptyState } from "../components/EmptyState";
import { ProblemMessage } from "../components/ProblemMessage";
import { PageHeader } from "../components/PageHeader";
import { formatTimeIn } from "../lib/format";
import { reportingTo } from "../lib/report";

export function SchedulesPage() {
  const schedules = createAsyncStore(() => getSchedules(), { reconcile: { key: "id" } });
  const rules = createAsync(() => getRules());
  const flows = createMemo(() => (rules() ?? []).filter((rule) => rule.type === "integration-flow"));
  const create = useAction(createSchedule);
  const [creating, setCreating] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  const run = reportingTo(setError);
  const onCreate = (value: NewSchedule) =>
    run(async () => {
      await create(value);
      setCreating(false);
    });

  return (
    <section class="page">
      <PageHeader
        title="Schedules"
        action={<Show when={!creating()}><button class="button button-primary" onClick={() => setCreating(true)}>New schedule</button></Show>}
      >
        Flows started at the times a cron pattern names, each firing a job like any trigger.
      </PageHeader>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={creating()}>
        <section class="card">
          <h3>New schedule</h3>
          <ScheduleForm flows={flows()} submitLabel="Create schedule" onSubmit={onCreate} onCancel={() => setCreating(false)} />
        </section>
      </Show>
      <Show when={schedules()} fallback={<p class="muted loading">Loading schedules…</p>}>
        <Show when={schedules()!.length || creating()} fallback={<EmptyState title="No schedules yet"><p>Add one with “New schedule” to run a flow every night, hour or weekday.</p></EmptyState>}>
          <ul class="webhook-list">
            <For each={schedules()}>{(schedule) => <ScheduleCard schedule={schedule} flows={flows()} onError={setError} />}</For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

function ScheduleCard(props: { schedule: Schedule; flows: RuleSummary[]; onError: (error: unknown) => void }) {
  const update = useAction(updateSchedule);
  const remove = useAction(deleteSchedule);
  const runNow = useAction(runScheduleNow);
  const [editing, setEditing] = createSignal(false);
  /** The job "Run now" started last, linked on the card. */
  const [started, setStarted] = createSignal<string>();
  const run = reportingTo((error) => props.onError(error));
  const schedule = () => props.schedule;
  return (
    <li class="card webhook" data-schedule={schedule().name}>
      <Show
        when={!editing()}
        fallback={
          <ScheduleForm
            flows={props.flows}
            initial={schedule()}
            submitLabel="Save"
            onSubmit={(value) => run(async () => { await update(schedule().id, { ...value, version: value.version ?? null }); setEditing(false); })}
            onCancel={() => setEditing(false)}
          />
        }
      >
        <div class="webhook-head">
          <div class="webhook-url">
            <span class={`badge badge-${schedule().enabled ? "success" : "neutral"}`}>{schedule().enabled ? "Enabled" : "Paused"}</span>
            <strong>{schedule().name}</strong>
          </div>
          <div class="webhook-actions">
            <label class="toggle">
              <input
                type="checkbox"
                role="switch"
                checked={schedule().enabled}
                aria-label={`Enable schedule ${schedule().name}`}
                onChange={(event) => run(() => update(schedule().id, { enabled: event.currentTarget.checked }))}
              />
              <span class="toggle-track" aria-hidden="true"><span class="toggle-thumb" /></span>
            </label>
            <button class="button button-small" onClick={() => run(async () => setStarted((await runNow(schedule().id)).jobId))}>Run now</button>
            <button class="button button-small" onClick={() => setEditing(true)}>Edit</button>
            <ConfirmButton label="Delete" question="Delete this schedule?" confirmLabel="Delete" onConfirm={() => run(() => remove(schedule().id))} />
          </div>
        </div>
        <p class="muted small" data-testid="schedule-summary">
          <span class="mono">{schedule().cron}</span> · {schedule().timezone} · {schedule().flow}
          {schedule().version === null ? " (latest published)" : ` v${schedule().version}`}
        </p>
        <p class="small" data-testid="schedule-next">
          Next: {schedule().nextRunAt ? <ZonedTime at={schedule().nextRunAt!} timeZone={schedule().timezone} /> : "— (paused)"}
          <Show when={schedule().lastRunAt}>
            {(at) => (
              <>
                {" "}· last: <ZonedTime at={at()} timeZone={schedule().timezone} />
                <Show when={schedule().lastJobId}>{(jobId) => <> — <A href={`/jobs/${jobId()}`}>its job</A></>}</Show>
              </>
            )}
          </Show>
        </p>
        <Show when={started()}>{(jobId) => <p class="small" data-testid="schedule-started">Started <A href={`/jobs/${jobId()}`}>a job</A> now.</p>}</Show>
        <Show when={schedule().lastError}>{(reason) => <p class="small error-text" data-testid="schedule-error">Last firing started no job: {reason()}</p>}</Show>
      </Show>
    </li>
  );
}

/** The browser's own time zone, the form's default (the API's default is UTC). */
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Create or edit a schedule: name, flow, pattern, time zone and the input as JSON. */
function ScheduleForm(props: { flows: RuleSummary[]; initial?: Schedule; submitLabel: string; onSubmit: (value: NewSchedule) => Promise<void>; onCancel?: () => void }) {
  const [name, setName] = createSignal(props.initial?.name ?? "");
  const [flow, setFlow] = createSignal(props.initial?.flow ?? props.flows[0]?.alias ?? props.flows[0]?.ruleId ?? "");
  const [cron, setCron] = createSignal(props.initial?.cron ?? "0 2 * * *");
  const [timezone, setTimezone] = createSignal(props.initial?.timezone ?? localZone());
  const [input, setInput] = createSignal(JSON.stringify(props.initial?.input ?? {}, null, 2));
  const [inputError, setInputError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(input());
    } catch (error) {
      setInputError(`Not JSON: ${(error as Error).message}`);
      return;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      setInputError("The input must be a JSON object, such as {} or { \"day\": \"today\" }.");
      return;
    }
    setInputError(undefined);
    setBusy(true);
    try {
      await props.onSubmit({ name: name().trim(), flow: flow(), cron: cron().trim(), timezone: timezone().trim(), input: parsed as Record<string, unknown> });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="webhook-form" onSubmit={submit}>
      <label class="field field-grow">
        <span>Name</span>
        <input type="text" required placeholder="Nightly sync" value={name()} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Flow</span>
        <select value={flow()} onChange={(event) => setFlow(event.currentTarget.value)}>
          <For each={props.flows}>{(rule) => <option value={rule.alias ?? rule.ruleId}>{rule.alias ?? rule.name}</option>}</For>
        </select>
      </label>
      <label class="field">
        <span>Cron (minute hour day month weekday)</span>
        <input type="text" required class="mono" value={cron()} onInput={(event) => setCron(event.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Time zone</span>
        <input type="text" required value={timezone()} onInput={(event) => setTimezone(event.currentTarget.value)} />
      </label>
      <label class="field field-grow">
        <span>Input (JSON)</span>
        <textarea class="mono" rows={4} value={input()} onInput={(event) => setInput(event.currentTarget.value)} />
      </label>
      <Show when={inputError()}><p class="small error-text" role="alert">{inputError()}</p></Show>
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy() || flow() === ""}>{props.submitLabel}</button>
        {props.onCancel && <button type="button" class="button" onClick={() => props.onCancel!()}>Cancel</button>}
      </div>
    </form>
  );
}

/** A slot as the schedule's pattern means it: in the schedule's zone, named; the exact time, and the browser's own, on hover. */
function ZonedTime(props: { at: string; timeZone: string }) {
  return (
    <time datetime={props.at} title={`${props.at} (${new Date(props.at).toLocaleString()} here)`}>
      {formatTimeIn(props.at, props.timeZone)} {props.timeZone}
    </time>
  );
}
