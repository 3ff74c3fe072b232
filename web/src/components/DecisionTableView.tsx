// A decision table as its users think of it: the hit policy, then one row per rule with its
// conditions under the input columns and its results under the output columns.
import { For, Show } from "solid-js";
import { cellOf, conditionText, HIT_POLICY_TEXT, outputText, tableOf } from "../lib/decision-table";

export function DecisionTableView(props: { definition: unknown }) {
  const table = () => tableOf(props.definition);
  const described = () => table().rows.some((row) => row.description);
  return (
    <div class="decision-table">
      <p data-testid="hit-policy"><strong>Hit policy</strong> {HIT_POLICY_TEXT[table().hitPolicy] ?? table().hitPolicy}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <For each={table().inputs}>
                {(input) => (
                  <th scope="col" class="column-input" data-column={input.id}>
                    <span class="column-kind">when</span> {input.name ?? input.id}{" "}
                    <span class="mono muted column-detail">{input.expression}</span>
                  </th>
                )}
              </For>
              <For each={table().outputs}>
                {(output) => (
                  <th scope="col" class="column-output" data-column={output.id}>
                    <span class="column-kind">then</span> {output.name ?? output.id}{" "}
                    <span class="mono muted column-detail">→ {output.path}</span>
                  </th>
                )}
              </For>
              <Show when={described()}><th scope="col">Description</th></Show>
            </tr>
          </thead>
          <tbody>
            <For each={table().rows} fallback={<tr><td colSpan={table().inputs.length + table().outputs.length + (described() ? 2 : 1)} class="muted">No rows: the table never matches.</td></tr>}>
              {(row, index) => (
                <tr data-row={index() + 1} classList={{ inactive: !row.active }}>
                  <td class="row-number">{index() + 1}<Show when={!row.active}> <span class="badge badge-neutral">inactive</span></Show></td>
                  <For each={table().inputs}>{(input) => <td class="mono cell-input">{conditionText(cellOf(row.conditions, input.id))}</td>}</For>
                  <For each={table().outputs}>
                    {(output) => {
                      const cell = () => outputText(cellOf(row.outputs, output.id));
                      return <td class="mono cell-output" classList={{ expression: cell().expression }} title={cell().expression ? "An expression, computed per input" : undefined}>{cell().text}</td>;
                    }}
                  </For>
                  <Show when={described()}><td>{row.description ?? ""}</td></Show>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}
