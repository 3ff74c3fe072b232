// JSONata syntax highlighting for the designer's expression fields: a CodeMirror stream tokenizer
// (strings, numbers, $variables and $functions, operators, /* comments */, `backquoted names`,
// path names, regular expressions) and the class names its tokens get. Pure: no DOM.
import { StringStream, type StreamParser } from "@codemirror/language";
import { tagHighlighter, tags } from "@lezer/highlight";

export interface JsonataState {
  /** Inside a block comment or a string that continues on the next line. */
  open: null | "comment" | '"' | "'" | "`";
  /** Whether the last token ended a value, so a `/` next is division rather than a regular expression. */
  afterValue: boolean;
}

const KEYWORD_OPERATORS = new Set(["and", "or", "in"]);
// Longest first, so `..` is not read as two `.` and `:=` not as `:`.
const OPERATORS = [":=", "!=", "<=", ">=", "~>", "..", "?:", "??", "**", "=", "<", ">", "+", "-", "*", "/", "%", "&", "?", ".", "@", "#", "^", "|", "!"];

export const jsonataParser: StreamParser<JsonataState> = {
  name: "jsonata",
  startState: () => ({ open: null, afterValue: false }),
  copyState: (state) => ({ ...state }),
  token(stream, state) {
    if (state.open === "comment") return comment(stream, state);
    if (state.open !== null) return quoted(stream, state, state.open);
    if (stream.eatSpace()) return null;

    if (stream.match("/*")) {
      state.open = "comment";
      return comment(stream, state);
    }
    const next = stream.peek()!;
    if (next === '"' || next === "'" || next === "`") {
      stream.next();
      state.open = next;
      return quoted(stream, state, next);
    }
    if (stream.match(/^\d+(\.\d+)?([eE][+-]?\d+)?/)) return value(state, "number");
    if (stream.match(/^\$\$?[\p{L}\p{N}_]*/u)) {
      // A `$name(` is a call of a function; `$`, `$$` and other `$names` are variables.
      const call = /^\s*\(/.test(stream.string.slice(stream.pos)) && stream.current().length > 1;
      return value(state, call ? "variableName.function" : "variableName.special");
    }
    if (!state.afterValue && next === "/" && stream.match(/^\/(?:[^/\\]|\\.)+\/[imgsuy]*/)) return value(state, "regexp");
    const word = stream.match(/^[\p{L}_][\p{L}\p{N}_]*/u);
    if (word) {
      const text = stream.current();
      if (KEYWORD_OPERATORS.has(text)) return operator(state, "operatorKeyword");
      if (text === "true" || text === "false") return value(state, "bool");
      if (text === "null") return value(state, "null");
      if (text === "function") return operator(state, "definitionKeyword");
      return value(state, "propertyName");
    }
    for (const symbol of OPERATORS) {
      if (stream.match(symbol)) return operator(state, "operator");
    }
    stream.next();
    switch (next) {
      case "(":
      case "[":
      case "{":
        return operator(state, next === "(" ? "paren" : next === "[" ? "squareBracket" : "brace");
      case ")":
      case "]":
      case "}":
        return value(state, next === ")" ? "paren" : next === "]" ? "squareBracket" : "brace");
      case ",":
      case ";":
        return operator(state, "separator");
      case ":":
        return operator(state, "punctuation");
      default:
        return operator(state, "invalid");
    }
  },
  languageData: { commentTokens: { block: { open: "/*", close: "*/" } } },
};

function value(state: JsonataState, token: string): string {
  state.afterValue = true;
  return token;
}

function operator(state: JsonataState, token: string): string {
  state.afterValue = false;
  return token;
}

function comment(stream: StringStream, state: JsonataState): string {
  const end = stream.string.indexOf("*/", stream.pos);
  if (end === -1) stream.skipToEnd();
  else {
    stream.pos = end + 2;
    state.open = null;
  }
  return "blockComment";
}

/** The rest of a string or backquoted name opened by `quote` (escapes skipped), closing it if it ends on this line. */
function quoted(stream: StringStream, state: JsonataState, quote: '"' | "'" | "`"): string {
  let escaped = false;
  while (!stream.eol()) {
    const char = stream.next();
    if (char === quote && !escaped) {
      state.open = null;
      break;
    }
    escaped = !escaped && char === "\\" && quote !== "`";
  }
  state.afterValue = true;
  return quote === "`" ? "propertyName.special" : "string";
}

/** The tokens of `text`, line by line, whitespace left out: what the tests (and a reader) check. */
export function tokenize(text: string): { text: string; token: string }[] {
  const state = jsonataParser.startState!(2);
  const tokens: { text: string; token: string }[] = [];
  for (const line of text.split("\n")) {
    const stream = new StringStream(line, 4, 2);
    while (!stream.eol()) {
      const token = jsonataParser.token(stream, state);
      if (token !== null) tokens.push({ text: stream.current(), token });
      stream.start = stream.pos;
    }
  }
  return tokens;
}

/** Class names (`cm-tok-…`) for the tags of JSONata and JavaScript tokens, styled in designer-inspector.css. */
export const codeHighlighter = tagHighlighter([
  { tag: tags.comment, class: "cm-tok-comment" },
  { tag: [tags.string, tags.regexp], class: "cm-tok-string" },
  { tag: [tags.number, tags.bool, tags.null], class: "cm-tok-literal" },
  { tag: [tags.keyword, tags.operatorKeyword], class: "cm-tok-keyword" },
  { tag: tags.function(tags.variableName), class: "cm-tok-function" },
  { tag: tags.special(tags.variableName), class: "cm-tok-variable" },
  { tag: tags.definition(tags.variableName), class: "cm-tok-definition" },
  { tag: tags.special(tags.propertyName), class: "cm-tok-quoted-name" },
  { tag: tags.propertyName, class: "cm-tok-name" },
  { tag: tags.operator, class: "cm-tok-operator" },
  { tag: tags.invalid, class: "cm-tok-invalid" },
]);
