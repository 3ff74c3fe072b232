// The runner's job state in pieces, in rows of its SQLite: no stored value can grow past the 2 MB
// limit (storage-limits.ts), and a slice writes only what changed. The checkpoint is split into a
// core (frames, sleep, steps, per-node run counts, final: small and rewritten each slice), one piece
// per context entry (input, each node's output) and per flow variable (written only when replaced),
// and long arrays (FOREACH items and results) stored apart in groups, of which only the new ones are written.
// Any text is cut into parts of at most PART_CHARS characters, so a 3 MB node output is three rows.
//
// Change detection is by identity: the engine replaces a node's output or a variable by a new value
// and never edits one in place, except arrays that only grow (FOREACH appends its results), which
// are detected by their length. The checkpoint is the engine's live object, so this costs nothing.
import type { Checkpoint } from "../flow/checkpoint";

/** At most 800 KB a part even as UTF-16: far inside the 2 MB value limit with its key. */
export const PART_CHARS = 400_000;

/**
 * `text` in parts of at most PART_CHARS UTF-16 units (at least one part, "" for an empty text). A cut
 * never falls inside a surrogate pair: storage writes each part as UTF-8, and half a pair would come
 * back as U+FFFD.
 */
export function* textParts(text: string): Generator<string> {
  let offset = 0;
  do {
    let end = Math.min(offset + PART_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(offset, end);
    offset = end;
  } while (offset < text.length);
}
/** Arrays at least this long are stored as groups of GROUP_ELEMENTS elements. */
const SPLIT_ARRAY_LENGTH = 64;
const GROUP_ELEMENTS = 256;
/** Stands for an array stored apart. A user value of exactly this shape is not expected (a NUL in a key). */
const ARRAY_REF = "\u0000flowjobs-array";
/** How the reference's key reads in JSON text (JSON escapes the NUL). */
const ARRAY_REF_JSON = JSON.stringify(ARRAY_REF);

/** The SQL the store runs; writes go through the runner's size check. */
export interface PieceSql {
  read<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: SqlStorageValue[]): Row[];
  write(what: string, query: string, ...bindings: SqlStorageValue[]): void;
}

export const PIECE_TABLES = [
  `CREATE TABLE pieces (name TEXT NOT NULL, part INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (name, part))`,
  `CREATE TABLE array_groups (array_id INTEGER NOT NULL, grp INTEGER NOT NULL, part INTEGER NOT NULL, text TEXT NOT NULL,
     PRIMARY KEY (array_id, grp, part))`,
];

interface SavedArray {
  ref: unknown[];
  length: number;
}

interface SavedPiece {
  ref: unknown;
  arrays: number[];
}

interface Core {
  version: Checkpoint["version"];
  frames: Checkpoint["frames"];
  sleep: Checkpoint["sleep"];
  steps: number;
  /** Absent in cores written before run counts existed. */
  runs?: Checkpoint["runs"];
  /** Absent when no node is part-way, and in cores written before partial results existed. */
  partial?: Checkpoint["partial"];
  final: Checkpoint["final"];
  contextKeys: string[];
  varKeys: string[];
  nextArrayId: number;
}

export class PieceStore {
  private readonly savedPieces = new Map<string, SavedPiece>();
  private readonly savedArrays = new Map<number, SavedArray>();
  private readonly arrayIds = new WeakMap<unknown[], number>();
  private nextArrayId = 1;

  constructor(private readonly sql: PieceSql) {}

  // Text pieces: any length, cut into parts.

  writeText(name: string, text: string): void {
    this.sql.write(`piece '${name}'`, "DELETE FROM pieces WHERE name = ?", name);
    let part = 0;
    for (const chunk of textParts(text)) {
      this.sql.write(`piece '${name}'`, "INSERT INTO pieces (name, part, text) VALUES (?, ?, ?)", name, part++, chunk);
    }
  }

  readText(name: string): string | undefined {
    const rows = this.sql.read<{ text: string }>("SELECT text FROM pieces WHERE name = ? ORDER BY part", name);
    return rows.length === 0 ? undefined : rows.map((row) => row.text).join("");
  }

  deleteText(name: string): void {
    this.sql.write(`piece '${name}'`, "DELETE FROM pieces WHERE name = ?", name);
  }

  // The checkpoint.

  hasCheckpoint(): boolean {
    return this.sql.read("SELECT 1 AS found FROM pieces WHERE name = 'cp/core' LIMIT 1").length > 0;
  }

  /** Writes what changed since the last save or load. Call inside a transaction. */
  saveCheckpoint(checkpoint: Checkpoint): void {
    const referenced = new Set<number>();
    const { vars, ...entries } = checkpoint.context;
    const contextKeys = Object.keys(entries);
    const varKeys = Object.keys(vars);
    for (const key of contextKeys) this.savePiece(`cp/ctx/${key}`, entries[key], referenced);
    for (const key of varKeys) this.savePiece(`cp/var/${key}`, vars[key], referenced);
    this.dropPiecesExcept("cp/ctx/", new Set(contextKeys));
    this.dropPiecesExcept("cp/var/", new Set(varKeys));
    const core: Omit<Core, "nextArrayId"> = {
      version: checkpoint.version,
      frames: checkpoint.frames,
      sleep: checkpoint.sleep,
      steps: checkpoint.steps,
      runs: checkpoint.runs,
      partial: checkpoint.partial ?? undefined,
      final: checkpoint.final,
      contextKeys,
      varKeys,
    };
    // The core changes in place every step, so it is written every time (it is small: frames and states).
    this.savedPieces.delete("cp/core");
    const coreText = this.serialize(core, referenced);
    // nextArrayId last: serializing the core may have numbered new arrays.
    this.writeText("cp/core", coreText.slice(0, -1) + `,"nextArrayId":${this.nextArrayId}}`);
    for (const id of this.savedArrays.keys()) {
      if (!referenced.has(id)) {
        this.sql.write("array group", "DELETE FROM array_groups WHERE array_id = ?", id);
        this.savedArrays.delete(id);
      }
    }
  }

  /** Rebuilds the checkpoint; what it returns is what the next save compares against. */
  loadCheckpoint(): Checkpoint | undefined {
    const coreText = this.readText("cp/core");
    if (coreText === undefined) return undefined;
    this.savedPieces.clear();
    this.savedArrays.clear();
    const loadedArrays = new Map<number, unknown[]>();
    const core = this.parse(coreText, loadedArrays) as Core;
    this.nextArrayId = core.nextArrayId;
    const context: Checkpoint["context"] = { input: null, vars: {} };
    for (const key of core.contextKeys) context[key] = this.loadPiece(`cp/ctx/${key}`, loadedArrays);
    for (const key of core.varKeys) context.vars[key] = this.loadPiece(`cp/var/${key}`, loadedArrays);
    const checkpoint: Checkpoint = { version: core.version, context, frames: core.frames, sleep: core.sleep, steps: core.steps, final: core.final };
    if (core.runs) checkpoint.runs = core.runs;
    if (core.partial) checkpoint.partial = core.partial;
    return checkpoint;
  }

  /** Forgets what was saved: the next save writes every piece (after a rolled-back transaction). */
  reset(): void {
    this.savedPieces.clear();
    this.savedArrays.clear();
  }

  private savePiece(name: string, value: unknown, referenced: Set<number>): void {
    const saved = this.savedPieces.get(name);
    if (saved && saved.ref === value) {
      // Unchanged itself; arrays inside it may still have grown.
      for (const id of saved.arrays) {
        referenced.add(id);
        this.saveArray(id, this.savedArrays.get(id)!.ref);
      }
      return;
    }
    const arrays = new Set<number>();
    this.writeText(name, this.serialize(value, arrays));
    for (const id of arrays) referenced.add(id);
    this.savedPieces.set(name, { ref: value, arrays: [...arrays] });
  }

  private loadPiece(name: string, loadedArrays: Map<number, unknown[]>): unknown {
    const text = this.readText(name);
    if (text === undefined) throw new Error(`The stored checkpoint is missing its piece '${name}'.`);
    const value = this.parse(text, loadedArrays);
    const arrays = text.includes(ARRAY_REF_JSON) ? [...arrayRefsIn(text)] : [];
    this.savedPieces.set(name, { ref: value, arrays });
    return value;
  }

  private dropPiecesExcept(prefix: string, keep: Set<string>): void {
    for (const name of this.savedPieces.keys()) {
      if (name.startsWith(prefix) && !keep.has(name.slice(prefix.length))) {
        this.deleteText(name);
        this.savedPieces.delete(name);
      }
    }
  }

  /** JSON text of `value` with each long array replaced by a reference and saved apart. */
  private serialize(value: unknown, arrays: Set<number>): string {
    const store = this;
    return (
      JSON.stringify(value, function (_key, item: unknown) {
        if (!Array.isArray(item) || item.length < SPLIT_ARRAY_LENGTH) return item;
        let id = store.arrayIds.get(item);
        if (id === undefined) {
          id = store.nextArrayId++;
          store.arrayIds.set(item, id);
        }
        arrays.add(id);
        store.saveArray(id, item);
        return { [ARRAY_REF]: id };
      }) ?? "null"
    );
  }

  private parse(text: string, loadedArrays: Map<number, unknown[]>): unknown {
    if (!text.includes(ARRAY_REF_JSON)) return JSON.parse(text);
    return JSON.parse(text, (_key, item: unknown) => {
      if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
      const id = (item as Record<string, unknown>)[ARRAY_REF];
      return typeof id === "number" ? this.loadArray(id, loadedArrays) : item;
    });
  }

  /** Writes the groups of the array that changed: all of them, or from the last saved group on when it only grew. */
  private saveArray(id: number, array: unknown[]): void {
    const saved = this.savedArrays.get(id);
    if (saved && saved.ref === array && saved.length === array.length) return;
    const grewOnly = saved !== undefined && saved.ref === array && array.length > saved.length;
    const firstGroup = grewOnly ? Math.floor(saved.length / GROUP_ELEMENTS) : 0;
    if (grewOnly) {
      this.sql.write("array group", "DELETE FROM array_groups WHERE array_id = ? AND grp >= ?", id, firstGroup);
    } else {
      this.sql.write("array group", "DELETE FROM array_groups WHERE array_id = ?", id);
    }
    for (let group = firstGroup; group * GROUP_ELEMENTS < array.length; group++) {
      // Elements are written whole: arrays inside them are not split again.
      const text = JSON.stringify(array.slice(group * GROUP_ELEMENTS, (group + 1) * GROUP_ELEMENTS));
      let part = 0;
      for (const chunk of textParts(text)) {
        this.sql.write(`array group ${group}`, "INSERT INTO array_groups (array_id, grp, part, text) VALUES (?, ?, ?, ?)", id, group, part++, chunk);
      }
    }
    this.savedArrays.set(id, { ref: array, length: array.length });
  }

  private loadArray(id: number, loadedArrays: Map<number, unknown[]>): unknown[] {
    const loaded = loadedArrays.get(id);
    if (loaded) return loaded;
    const rows = this.sql.read<{ grp: number; text: string }>(
      "SELECT grp, text FROM array_groups WHERE array_id = ? ORDER BY grp, part",
      id,
    );
    const array: unknown[] = [];
    let group = -1;
    let text = "";
    const flush = () => {
      if (group >= 0) for (const item of JSON.parse(text) as unknown[]) array.push(item);
    };
    for (const row of rows) {
      if (row.grp !== group) {
        flush();
        group = row.grp;
        text = "";
      }
      text += row.text;
    }
    flush();
    loadedArrays.set(id, array);
    this.arrayIds.set(array, id);
    this.savedArrays.set(id, { ref: array, length: array.length });
    return array;
  }
}

function* arrayRefsIn(text: string): Iterable<number> {
  const pattern = /"\\u0000flowjobs-array":(\d+)/g;
  for (const match of text.matchAll(pattern)) yield Number(match[1]);
}
