// The flow designer: a palette of every node type the API accepts, the canvas, an inspector for the
// selected node (with "Connect to", so every connection can be made from the keyboard), Save (the
// next version), Publish, Arrange, and the test bench. The draft lives in the browser (localStorage)
// until it is saved, and a leave-page warning guards it; a refused save puts each error on the node
// and field it names.
import { createAsync, revalidate } from "@solidjs/router";
import { createEffect, createMemo, createSignal, createUniqueId, For, on, onCleanup, onMount, Show } from "solid-js";
import { api, ProblemError } from "../api/client";
import { getConnectors, getNodeTypes, getRule, getRules, getRuleVersions } from "../api/queries";
import type { FlowDefinition, Rule } from "../api/types";
import { ProblemMessage } from "../components/ProblemMessage";
import { SolvePanel } from "../components/SolvePanel";
import { hasInput, portsOf } from "../lib/node-ports";
import { FlowCanvas, type CanvasControls } from "./FlowCanvas";
import { Inspector } from "./Inspector";
import {
  addNode,
  arranged,
  connect,
  connectionId,
  connectionProblem,
  draftOf,
  isDirty,
  placeErrors,
  removeConnections,
  removeNodes,
  updateNode,
  type Draft,
  type PlacedErrors,
} from "./model";
import { TestBench, type BenchJob } from "./TestBench";
import "./designer.css";

const GROUP_LABELS: Record<string, string> = { basic: "Basic", rules: "Rules", data: "Data & integrations", advanced: "Advanced" };

interface StoredDraft {
  baseVersion: number;
  draft: Draft;
}

const storageKey = (ruleId: string) => `flowjobs.designer.${ruleId}`;

function readStored(ruleId: string): StoredDraft | null {
  try {
    const text = localStorage.getItem(storageKey(ruleId));
    return text ? (JSON.parse(text) as StoredDraft) : null;
  } catch {
    return null;
  }
}

export function Designer(props: {
  /** The version the designer starts from: the rule's newest. */
  rule: Rule;
  /** A job to show at once (the flow page's Jobs panel). */
  jobId?: string | null;
  onSaved?(version: number): void;
  onJob?(jobId: string | null): void;
  onClose?(): void;
}) {
  const stored = readStored(props.rule.ruleId);
  // A draft kept from an earlier visit is taken back only if it was made from the version still newest.
  const restored = stored && stored.baseVersion === props.rule.version ? stored.draft : null;
  const [base, setBase] = createSignal<{ version: number; definition: FlowDefinition }>({
    version: props.rule.version,
    definition: props.rule.definition as FlowDefinition,
  });
  const [draft, setDraft] = createSignal<Draft>(restored ?? draftOf(props.rule.definition as FlowDefinition));
  const [selected, setSelected] = createSignal<string | null>(null);
  const [errors, setErrors] = createSignal<PlacedErrors | null>(null);
  const [problem, setProblem] = createSignal<unknown>();
  const [status, setStatus] = createSignal(restored ? "Unsaved changes from your last visit were restored." : "");
  const [busy, setBusy] = createSignal(false);
  const [jobId, setJobId] = createSignal<string | null>(props.jobId ?? null);
  const [benchJob, setBenchJob] = createSignal<BenchJob | null>(null);
  // The flow page's Jobs panel opens its jobs here.
  createEffect(on(() => props.jobId, (id) => setJobId(id ?? null), { defer: true }));
  const nodeTypes = createAsync(() => getNodeTypes());
  const connectors = createAsync(() => getConnectors());
  const rules = createAsync(() => getRules());
  let canvas: CanvasControls | undefined;

  const dirty = createMemo(() => isDirty(draft(), base().definition));
  /** After a save or publish: the flow page reads the newest version and the version list anew. */
  const revalidateRule = () => {
    const ref = props.rule.alias ?? props.rule.ruleId;
    return revalidate([getRuleVersions.keyFor(ref), getRule.keyFor(ref)]);
  };
  const change = (next: Draft) => {
    setDraft(next);
    localStorage.setItem(storageKey(props.rule.ruleId), JSON.stringify({ baseVersion: base().version, draft: next } satisfies StoredDraft));
  };

  // Leaving with unsaved changes asks first.
  const guard = (event: BeforeUnloadEvent) => {
    if (!dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  };
  onMount(() => window.addEventListener("beforeunload", guard));
  onCleanup(() => window.removeEventListener("beforeunload", guard));

  const selectedNode = createMemo(() => draft().definition.nodes.find((node) => node.id === selected()) ?? null);
  // By type, as a memo: the inspector builds its form from the schema, so an edit of the node (a new
  // node object) must not hand it a "new" schema and rebuild every control under the cursor.
  const selectedType = createMemo(() => selectedNode()?.type ?? null);
  const NO_SCHEMA = {};
  const selectedSchema = createMemo(() => nodeTypes()?.find((item) => item.type === selectedType())?.dataSchema ?? NO_SCHEMA);
  const groups = createMemo(() => {
    const byGroup = new Map<string, { type: string; label: string; description: string }[]>();
    for (const item of nodeTypes() ?? []) byGroup.set(item.group, [...(byGroup.get(item.group) ?? []), item]);
    return [...byGroup.entries()];
  });

  const add = (type: string, at?: { x: number; y: number }) => {
    const added = addNode(draft(), type, at);
    change(added.draft);
    setSelected(added.id);
  };

  /** Saves the draft as the next version; returns it, or null when the save was refused. */
  const save = async (publish = false): Promise<number | null> => {
    setBusy(true);
    setProblem(undefined);
    setErrors(null);
    const definition = draft().definition;
    try {
      const created = await api<{ version: number; status: string }>(`/api/rules/${encodeURIComponent(props.rule.ruleId)}/versions`, {
        method: "POST",
        body: { definition, publish },
      });
      setBase({ version: created.version, definition: structuredClone(definition) });
      localStorage.removeItem(storageKey(props.rule.ruleId));
      setStatus(`Saved as version ${created.version}${created.status === "published" ? " and published" : ""}.`);
      await revalidateRule();
      props.onSaved?.(created.version);
      return created.version;
    } catch (error) {
      if (error instanceof ProblemError && error.status === 422 && error.problem.errors) {
        setErrors(placeErrors(definition, error.problem.errors));
        setStatus("Not saved: fix the marked fields.");
      } else {
        setProblem(error);
      }
      return null;
    } finally {
      setBusy(false);
    }
  };

  const publish = async () => {
    if (dirty()) {
      await save(true);
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      await api(`/api/rules/${encodeURIComponent(props.rule.ruleId)}/versions/${base().version}/publish`, { method: "POST" });
      setStatus(`Version ${base().version} published.`);
      await revalidateRule();
      props.onSaved?.(base().version);
    } catch (error) {
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  const discard = () => {
    localStorage.removeItem(storageKey(props.rule.ruleId));
    setDraft(draftOf(base().definition));
    setErrors(null);
    setSelected(null);
    setStatus("Changes discarded.");
  };

  const arrange = () => {
    change({ ...draft(), positions: arranged(draft().definition) });
    queueMicrotask(() => canvas?.fit());
  };

  const showJob = (id: string | null) => {
    setJobId(id);
    if (id === null) setBenchJob(null);
    props.onJob?.(id);
  };

  // A job is drawn on the canvas with its states; its own version's definition when that is not the draft's.
  // Read by hand rather than through a query: a suspended read would blank the designer meanwhile.
  const [jobVersion, setJobVersion] = createSignal<Rule | null>(null);
  createEffect(
    on(
      () => benchJob()?.version,
      (version) => {
        setJobVersion(null);
        if (version === undefined || (version === base().version && !dirty())) return;
        void api<Rule>(`/api/rules/${encodeURIComponent(props.rule.ruleId)}/versions/${version}`).then((rule) => {
          if (benchJob()?.version === version) setJobVersion(rule);
        }, setProblem);
      },
    ),
  );
  const shown = createMemo<Draft>(() => {
    const other = jobVersion();
    return other ? draftOf(other.definition as FlowDefinition) : draft();
  });
  const showingJob = () => benchJob() !== null;

  return (
    <div class="designer" aria-label="Flow designer">
      <div class="designer-toolbar" role="toolbar" aria-label="Designer">
        <button class="button button-primary" disabled={busy() || !dirty()} onClick={() => void save()}>Save</button>
        <button class="button" disabled={busy()} onClick={publish}>{dirty() ? "Save and publish" : `Publish v${base().version}`}</button>
        <button class="button" disabled={showingJob()} onClick={arrange}>Arrange</button>
        <button class="button" disabled={!dirty()} onClick={discard}>Discard changes</button>
        <Show when={props.onClose}>
          <button class="button" onClick={() => props.onClose?.()}>Close designer</button>
        </Show>
        <span class="designer-status" role="status" data-testid="designer-status">
          {dirty() ? "Unsaved changes · " : ""}
          {status()}
        </span>
      </div>
      <Show when={problem()}><ProblemMessage error={problem()} /></Show>
      <Show when={errors()?.other.length}>
        <div class="problem" role="alert">
          <strong>Not saved</strong>
          <ul>
            <For each={errors()!.other}>{(error) => <li><code>{error.path}</code> {error.message}</li>}</For>
          </ul>
        </div>
      </Show>

      <div class="designer-body">
        <div class="designer-main">
          <nav class="designer-palette" aria-label="Node palette">
            <For each={groups()}>
              {([group, items]) => (
                <section>
                  <h4>{GROUP_LABELS[group] ?? group}</h4>
                  <For each={items}>
                    {(item) => (
                      <button
                        class="palette-item"
                        draggable={true}
                        title={item.description}
                        disabled={showingJob()}
                        aria-label={`Add ${item.type}`}
                        onDragStart={(event) => {
                          event.dataTransfer?.setData("application/x-flowjobs-node", item.type);
                          if (event.dataTransfer) event.dataTransfer.effectAllowed = "copy";
                        }}
                        onClick={() => add(item.type)}
                      >
                        {item.label}
                      </button>
                    )}
                  </For>
                </section>
              )}
            </For>
          </nav>

          <Show when={showingJob()}>
            <p class="designer-job-banner">
              Showing job <span class="mono">{benchJob()!.jobId}</span> (v{benchJob()!.version}).{" "}
              <button class="button button-small" onClick={() => showJob(null)}>Back to editing</button>
            </p>
          </Show>
          <FlowCanvas
            draft={shown()}
            readOnly={showingJob()}
            selected={showingJob() ? null : selected()}
            errors={errors() ?? undefined}
            nodeStates={benchJob()?.nodeStates}
            nodeRuns={benchJob()?.nodeRuns}
            onChange={change}
            onSelect={setSelected}
            onDropType={(type, at) => add(type, at)}
            onReady={(controls) => (canvas = controls)}
          />
        </div>

        <aside class="designer-side">
          <div class="field">
            <label for="designer-selected-node">Selected node</label>
            <select id="designer-selected-node" value={selected() ?? ""} disabled={showingJob()} onChange={(event) => setSelected(event.currentTarget.value || null)}>
              <option value="">None</option>
              <For each={draft().definition.nodes}>
                {(node) => (
                  <option value={node.id} selected={node.id === selected()}>
                    {node.name} ({node.type})
                  </option>
                )}
              </For>
            </select>
          </div>
          <Show when={selectedNode() && !showingJob()} fallback={<p class="muted designer-hint">Select a node to edit it, or add one from the palette.</p>}>
            <section class="card designer-inspector" aria-label="Inspector">
              <Inspector
                node={selectedNode()!}
                schema={selectedSchema()}
                connectors={connectors() ?? []}
                rules={(rules() ?? []).filter((rule) => rule.ruleId !== props.rule.ruleId)}
                errors={errors()?.nodes[selectedNode()!.id] ?? []}
                onChange={(patch) => change(updateNode(draft(), selectedNode()!.id, patch))}
              />
              <ConnectTo draft={draft()} nodeId={selectedNode()!.id} onChange={change} />
              <button
                class="button button-danger"
                disabled={selectedNode()!.type === "START"}
                onClick={() => {
                  change(removeNodes(draft(), new Set([selectedNode()!.id])));
                  setSelected(null);
                }}
              >
                Delete node
              </button>
            </section>
          </Show>
          {/* A decision flow runs in the request (POST /rule/solve), not as a job: its saved version is solved. */}
          <Show
            when={props.rule.type === "decision-flow"}
            fallback={
              <TestBench
                flow={props.rule.ruleId}
                inputSchema={draft().definition.inputSchema}
                prepare={async () => (dirty() ? save() : base().version)}
                jobId={jobId()}
                onJob={setBenchJob}
                onStarted={showJob}
              />
            }
          >
            <SolvePanel rule={props.rule.ruleId} version={base().version} kind="decision-flow" inputSchema={draft().definition.inputSchema} />
          </Show>
        </aside>
      </div>
    </div>
  );
}

/** Connections from the keyboard: a port of the selected node, a target, Connect; and each outgoing connection with Remove. */
function ConnectTo(props: { draft: Draft; nodeId: string; onChange(draft: Draft): void }) {
  const node = () => props.draft.definition.nodes.find((candidate) => candidate.id === props.nodeId)!;
  const ports = () => portsOf(node().type, node().data);
  const targets = () => props.draft.definition.nodes.filter((candidate) => candidate.id !== props.nodeId && hasInput(candidate.type));
  const ids = createUniqueId();
  const [port, setPort] = createSignal("");
  const [target, setTarget] = createSignal("");
  const chosenPort = () => (ports().includes(port()) ? port() : ports()[0] ?? "");
  const chosenTarget = () => (targets().some((candidate) => candidate.id === target()) ? target() : "");
  const problem = () => (chosenTarget() ? connectionProblem(props.draft.definition, props.nodeId, chosenPort(), chosenTarget()) : null);
  const outgoing = () => props.draft.definition.connections.filter((connection) => connection.source === props.nodeId);
  const nameOf = (id: string) => props.draft.definition.nodes.find((candidate) => candidate.id === id)?.name ?? id;

  return (
    <Show when={ports().length > 0}>
      <fieldset class="connect-to">
        <legend>Connect to</legend>
        <div class="form-row">
          <div class="field">
            <label for={`${ids}-port`}>From port</label>
            <select id={`${ids}-port`} value={chosenPort()} onChange={(event) => setPort(event.currentTarget.value)}>
              <For each={ports()}>{(item) => <option value={item} selected={item === chosenPort()}>{item}</option>}</For>
            </select>
          </div>
          <div class="field field-grow">
            <label for={`${ids}-target`}>To node</label>
            <select id={`${ids}-target`} value={chosenTarget()} onChange={(event) => setTarget(event.currentTarget.value)}>
              <option value="">Choose a node…</option>
              <For each={targets()}>
                {(item) => (
                  <option value={item.id} selected={item.id === chosenTarget()}>
                    {item.name} ({item.type})
                  </option>
                )}
              </For>
            </select>
          </div>
        </div>
        <Show when={problem()}>{(text) => <p class="field-error">{text()}</p>}</Show>
        <button
          class="button"
          disabled={!chosenTarget() || problem() !== null}
          onClick={() => {
            props.onChange(connect(props.draft, props.nodeId, chosenPort(), chosenTarget()));
            setTarget("");
          }}
        >
          Connect
        </button>
        <Show when={outgoing().length > 0}>
          <ul class="connections-list" aria-label="Connections from this node">
            <For each={outgoing()}>
              {(connection) => (
                <li>
                  <span>
                    {connection.port ?? "default"} → {nameOf(connection.target)}
                  </span>
                  <button
                    class="button button-small"
                    aria-label={`Remove connection ${connection.port ?? "default"} to ${nameOf(connection.target)}`}
                    onClick={() => props.onChange(removeConnections(props.draft, new Set([connectionId(connection)])))}
                  >
                    Remove
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </fieldset>
    </Show>
  );
}
