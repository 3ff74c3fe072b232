/// <reference types="node" />
// The flow designer and its test bench in Chromium against `npm start` (issue 15's acceptance): a
// flow built from scratch with the palette, a drawn connection and the inspector, saved, published
// and run from the bench; an existing flow edited into version 2, a refused save shown on the field;
// and a flow whose every port kind is connected with the keyboard alone.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot, signedInPage, tabTo } from "./browser";
import { sharedConsole } from "./shared";
import { call } from "./server";

const shared = sharedConsole();
const run = Date.now().toString(36);

async function openDesigner(alias: string): Promise<Page> {
  const page = await signedInPage(shared.browser.context, shared.server.managementKey);
  await page.goto(`${shared.server.base}/flows/${alias}?design=1`);
  await page.getByRole("toolbar", { name: "Designer" }).waitFor();
  return page;
}

const api = (method: string, path: string, body?: unknown) => call(shared.server.base, shared.server.managementKey, method, path, body);

/** The connections the canvas draws, as the API writes them (source:port->target). */
async function drawnConnections(page: Page): Promise<string[]> {
  return (await page.locator(".solid-flow__edge").evaluateAll((edges) => edges.map((edge) => edge.getAttribute("data-id") ?? ""))).sort();
}

const connectionIds = (definition: { connections: { source: string; target: string; port?: string }[] }) =>
  definition.connections.map((connection) => `${connection.source}:${connection.port ?? "default"}->${connection.target}`).sort();

/** Types into a CodeMirror field (its content element carries the field's name), replacing what is there. */
async function typeExpression(page: Page, name: string, text: string) {
  const editor = page.getByRole("textbox", { name, exact: true });
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
}

describe("flow designer", () => {
  it("builds a flow from scratch, saves, publishes and runs it from the test bench", async () => {
    const page = await signedInPage(shared.browser.context, shared.server.managementKey);
    const alias = `greeter-${run}`;
    await page.goto(`${shared.server.base}/flows`);
    await page.getByRole("button", { name: "New flow" }).click();
    const form = page.getByRole("form", { name: "New flow" });
    await form.getByLabel("Name").fill("Greeter");
    await form.getByLabel("Alias").fill(alias);
    await form.getByRole("button", { name: "Create" }).click();
    await page.getByRole("toolbar", { name: "Designer" }).waitFor();
    // A new flow starts with START connected to END.
    await expect.poll(() => drawnConnections(page)).toEqual(["start:default->end"]);

    // An ASSIGN dragged from the palette onto the canvas; it is selected in the inspector.
    await page.getByRole("button", { name: "Add ASSIGN" }).dragTo(page.locator(".designer-canvas"), { targetPosition: { x: 80, y: 260 } });
    const inspector = page.getByRole("region", { name: "Inspector" });
    await expect.poll(() => inspector.getByLabel("Name", { exact: true }).inputValue()).toBe("assign");
    await inspector.getByLabel("Name", { exact: true }).fill("greet");
    await inspector.getByRole("button", { name: "Add assign entry" }).click();
    await inspector.getByLabel("assign key 1").fill("text");
    await typeExpression(page, "assign value 1", "'Hello, ' & input.name");

    // Arrange lays the nodes out apart (the drop may have landed on END).
    const before = await page.locator('.designer-node[data-node-id="assign"]').boundingBox();
    await page.getByRole("button", { name: "Arrange" }).click();
    await expect.poll(async () => JSON.stringify(await page.locator('.designer-node[data-node-id="assign"]').boundingBox())).not.toBe(JSON.stringify(before));
    // START → END selected on the canvas and deleted with the keyboard; START → greet drawn by dragging
    // from START's port to greet's input.
    // (A straight edge has no width: the point is taken from its path rather than the locator's box.)
    const edge = await page.locator('.solid-flow__edge[data-id="start:default->end"] path').first().evaluate((element) => {
      const path = element as SVGPathElement;
      const point = path.getPointAtLength(path.getTotalLength() / 2);
      const matrix = path.getScreenCTM()!;
      return { x: point.x * matrix.a + point.y * matrix.c + matrix.e, y: point.x * matrix.b + point.y * matrix.d + matrix.f };
    });
    await page.mouse.click(edge.x, edge.y);
    await expect.poll(() => page.locator('.solid-flow__edge[data-id="start:default->end"]').getAttribute("class")).toContain("selected");
    await page.keyboard.press("Delete");
    await expect.poll(() => drawnConnections(page)).toEqual([]);
    const from = (await page.locator('.solid-flow__handle.source[data-nodeid="start"][data-handleid="default"]').boundingBox())!;
    const to = (await page.locator('.solid-flow__handle.target[data-nodeid="assign"]').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => drawnConnections(page)).toEqual(["start:default->assign"]);
    // greet → END with "Connect to".
    await page.getByLabel("Selected node").selectOption("assign");
    await inspector.getByLabel("To node").selectOption("end");
    await inspector.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByLabel("Selected node").selectOption("end");
    await typeExpression(page, "output", "{ 'greeting': greet.text }");

    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Saved as version 2");
    await page.getByRole("button", { name: "Publish v2" }).click();
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Version 2 published");

    // What the API stores is what the canvas shows.
    const saved = await api("GET", `/api/rules/${alias}`);
    expect(saved).toMatchObject({ version: 2, status: "published" });
    expect(connectionIds(saved.definition)).toEqual(await drawnConnections(page));
    expect(saved.definition.connections).toEqual(expect.arrayContaining([{ source: "start", target: "assign" }, { source: "assign", target: "end" }]));
    const shownNodes = await page.locator(".designer-node").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-node-id")).sort());
    expect(saved.definition.nodes.map((node: { id: string }) => node.id).sort()).toEqual(shownNodes);
    expect(saved.definition.nodes.find((node: { id: string }) => node.id === "assign")).toEqual({
      id: "assign",
      type: "ASSIGN",
      name: "greet",
      data: { vars: {}, assign: { text: "'Hello, ' & input.name" } },
    });

    // The test bench runs the version shown and draws the job on the canvas.
    await page.getByLabel("Input (JSON)").fill('{ "name": "Ada" }');
    await page.getByRole("button", { name: "Start a new Job" }).click();
    const bench = page.getByRole("region", { name: "Test bench" });
    await bench.getByTestId("bench-execution").waitFor({ timeout: 30_000 });
    expect(await bench.locator(".badge").first().textContent()).toContain("Completed");
    const jobId = await bench.locator(".bench-job").getAttribute("data-job-id");
    const job = await api("GET", `/job/${jobId}`);
    expect(job.output).toEqual({ greeting: "Hello, Ada" });
    expect(await bench.getByTestId("bench-output").textContent()).toContain('"greeting": "Hello, Ada"');
    expect(await bench.getByTestId("bench-execution").textContent()).toContain(`(${job.usage.executionMs} ms)`);
    expect(await page.locator(".designer-node").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-state")))).toEqual(["done", "done", "done"]);
    // The flow page's Jobs panel lists it and opens it in the same view.
    await page.getByRole("complementary", { name: "Jobs of this flow" }).getByRole("link").first().click();
    await expect.poll(() => page.url()).toContain(`job=${jobId}`);
    await screenshot(page, "designer-test-bench");
    await page.close();
  });

  it("edits an existing flow into version 2, and puts a refused save's message on the field", async () => {
    const alias = `edit-${run}`;
    await api("POST", "/api/rules", {
      name: "Edit me",
      alias,
      type: "integration-flow",
      publish: true,
      definition: {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "calc", type: "ASSIGN", name: "calc", data: { assign: { total: "1 + 1" } } },
          { id: "end", type: "END", name: "end", data: { output: "calc" } },
        ],
        connections: [
          { source: "start", target: "calc" },
          { source: "calc", target: "end" },
        ],
      },
    });
    const page = await openDesigner(alias);
    await page.locator('.designer-node[data-node-id="calc"]').click();
    await typeExpression(page, "assign value 1", "2 + 3");
    expect(await page.getByTestId("designer-status").textContent()).toContain("Unsaved changes");
    // Leaving asks first; the edit is kept in the browser and comes back.
    const dialogs: string[] = [];
    page.once("dialog", (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.reload();
    expect(dialogs).toEqual(["beforeunload"]);
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("restored");
    await page.locator('.designer-node[data-node-id="calc"]').click();
    expect(await page.getByRole("textbox", { name: "assign value 1", exact: true }).textContent()).toBe("2 + 3");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Saved as version 2");
    expect((await api("GET", `/api/rules/${alias}/versions/2`)).definition.nodes[1].data).toEqual({ assign: { total: "2 + 3" } });

    // An expression that does not parse: the save is refused, the node turns red, the message sits under the field.
    await typeExpression(page, "assign value 1", "2 +* 3");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Not saved");
    await expect.poll(() => page.locator('.designer-node[data-node-id="calc"]').getAttribute("class")).toContain("node-invalid");
    const field = page.getByRole("textbox", { name: "assign value 1", exact: true });
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await field.getAttribute("aria-describedby"))!.split(" ");
    const messages = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    // The save's own message (the parse check as you type says "Syntax error at …" too).
    expect(messages.join(" ")).toContain("is not a valid JSONata expression");
    expect((await api("GET", `/api/rules/${alias}`)).latestVersion).toBe(2);
    await screenshot(page, "designer-refused-save");

    // Fixed, it saves as version 3 and the marks are gone.
    await typeExpression(page, "assign value 1", "2 * 3");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Saved as version 3");
    expect(await page.locator('.designer-node[data-node-id="calc"]').getAttribute("class")).not.toContain("node-invalid");
    // Old versions stay readable: the version picker shows each, read-only.
    await page.getByRole("button", { name: "Close designer" }).click();
    await page.getByRole("group", { name: "Versions" }).getByRole("button", { name: /v1/ }).click();
    await expect.poll(() => page.getByText("A read-only view of version 1").count()).toBe(1);
    await page.close();
  });

  it("connects every port kind with the keyboard alone", async () => {
    const alias = `keys-${run}`;
    await api("POST", "/api/rules", {
      name: "Keyboard",
      alias,
      type: "integration-flow",
      definition: { nodes: [{ id: "start", type: "START", name: "start" }, { id: "end", type: "END", name: "end", data: { output: "{}" } }], connections: [{ source: "start", target: "end" }] },
    });
    const page = await openDesigner(alias);
    const press = async (name: string) => {
      await tabTo(page, page.getByRole("button", { name, exact: true }));
      await page.keyboard.press("Enter");
    };
    /** Chooses the option of a select whose text starts with `text`, with Home and ArrowDown, as a keyboard user does. */
    const choose = async (label: string, text: string) => {
      const select = page.getByLabel(label, { exact: true });
      await tabTo(page, select);
      const texts = await select.locator("option").allTextContents();
      const index = texts.findIndex((option) => option.startsWith(text));
      expect(index, `${label} has no option ${text}: ${texts.join(", ")}`).toBeGreaterThanOrEqual(0);
      await page.keyboard.press("Home");
      for (let step = 0; step < index; step++) await page.keyboard.press("ArrowDown");
      await expect.poll(() => select.evaluate((element) => (element as HTMLSelectElement).selectedOptions[0]?.textContent ?? "")).toMatch(new RegExp(`^${text}`));
    };
    const connectFrom = async (port: string, target: string) => {
      await choose("From port", port);
      await choose("To node", target);
      await press("Connect");
    };

    for (const type of ["FOREACH", "SWITCH", "DATABASE_QUERY", "LOG", "LOG", "LOG"]) await press(`Add ${type}`);
    await choose("Selected node", "start");
    await press("Remove connection default to end");
    await connectFrom("default", "foreach");
    await choose("Selected node", "foreach");
    await connectFrom("loop", "switch");
    await connectFrom("done", "database-query");
    await choose("Selected node", "switch");
    await connectFrom("yes", "log ");
    await connectFrom("default", "log-2");
    await choose("Selected node", "database-query");
    await connectFrom("loop", "log-3");
    await connectFrom("done", "end");

    const expected = [
      "start:default->foreach",
      "foreach:loop->switch",
      "foreach:done->database-query",
      "switch:yes->log",
      "switch:default->log-2",
      "database-query:loop->log-3",
      "database-query:done->end",
    ].sort();
    await expect.poll(() => drawnConnections(page)).toEqual(expected);
    // The connector picker too, then Save: the API holds the same connections.
    await choose("Selected node", "database-query");
    await choose("connector", "Demo database");
    await press("Save");
    await expect.poll(() => page.getByTestId("designer-status").textContent()).toContain("Saved as version 2");
    expect(connectionIds((await api("GET", `/api/rules/${alias}`)).definition)).toEqual(expected);
    await screenshot(page, "designer-keyboard");
    await page.close();
  });
});
