// The space's API keys: name, kind, created, last used, and Delete with an in-place confirmation.
// Fixed columns, and the confirmation floats over the row, so asking never re-flows the table.
import { For, Show } from "solid-js";
import type { ApiKey } from "../api/types";
import { Time } from "./Time";
import { ConfirmButton } from "./ConfirmButton";

export function KeysTable(props: { keys: ApiKey[]; currentKeyId?: string; onDelete: (key: ApiKey) => Promise<void> }) {
  return (
    <div class="table-wrap">
      <table class="keys-table">
        <colgroup>
          <col />
          <col class="col-kind" />
          <col class="col-time" />
          <col class="col-time" />
          <col class="col-actions" />
        </colgroup>
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Created</th>
            <th>Last used</th>
            <th><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          <For each={props.keys}>
            {(key) => {
              const isCurrent = () => key.id === props.currentKeyId;
              return (
                <tr data-key-id={key.id}>
                  <td data-label="Name" class="ellipsis" title={key.name}>
                    {key.name}
                    <Show when={isCurrent()}> <span class="badge badge-neutral">this console</span></Show>
                  </td>
                  <td data-label="Kind">
                    <span class={`badge ${key.kind === "management" ? "badge-purple" : "badge-info"}`}>{key.kind === "management" ? "Management" : "Solver"}</span>
                  </td>
                  <td data-label="Created"><Time at={key.createdAt} /></td>
                  <td data-label="Last used"><Time at={key.lastUsedAt} fallback="Never" /></td>
                  <td class="actions">
                    <ConfirmButton
                      label="Delete"
                      question={isCurrent() ? "Delete the key this console uses? You will be signed out." : `Delete “${key.name}”?`}
                      confirmLabel="Delete key"
                      onConfirm={() => props.onDelete(key)}
                    />
                  </td>
                </tr>
              );
            }}
          </For>
        </tbody>
      </table>
    </div>
  );
}
