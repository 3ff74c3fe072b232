// The expression fields' JSONata tokenizer (what gets which colour) and their parse check as you
// type (the save's own compile, in words under the field).
import { describe, expect, it } from "vitest";
import { describeJsonataProblem, jsonataProblem } from "../../web/src/lib/jsonata-check";
import { tokenize } from "../../web/src/lib/jsonata-highlight";

const kinds = (text: string) => tokenize(text).map(({ text, token }) => `${text}:${token}`);

describe("JSONata tokens", () => {
  it("tells paths, functions, variables, numbers, strings and operators apart", () => {
    expect(kinds("$sum(input.items.price) * 1.5")).toEqual([
      "$sum:variableName.function",
      "(:paren",
      "input:propertyName",
      ".:operator",
      "items:propertyName",
      ".:operator",
      "price:propertyName",
      "):paren",
      "*:operator",
      "1.5:number",
    ]);
    expect(kinds("'item ' & each.index")).toEqual(["'item ':string", "&:operator", "each:propertyName", ".:operator", "index:propertyName"]);
    expect(kinds(`$x := "a \\" b"; $x`)).toEqual(['$x:variableName.special', ":=:operator", '"a \\" b":string', ";:separator", "$x:variableName.special"]);
  });

  it("reads multi-character operators whole, and and/or/in as keywords", () => {
    expect(kinds("a != b and c >= 2 or d in [1..3]")).toEqual([
      "a:propertyName",
      "!=:operator",
      "b:propertyName",
      "and:operatorKeyword",
      "c:propertyName",
      ">=:operator",
      "2:number",
      "or:operatorKeyword",
      "d:propertyName",
      "in:operatorKeyword",
      "[:squareBracket",
      "1:number",
      "..:operator",
      "3:number",
      "]:squareBracket",
    ]);
    expect(kinds("items ~> $map(function($v) { $v * 2 })")).toContain("~>:operator");
    expect(kinds("items ~> $map(function($v) { $v * 2 })")).toContain("function:definitionKeyword");
    expect(kinds("x ? 1 : 2")).toEqual(["x:propertyName", "?:operator", "1:number", "::punctuation", "2:number"]);
  });

  it("marks literals, $ and $$, backquoted names and exponents", () => {
    expect(kinds("true = false or null")).toEqual(["true:bool", "=:operator", "false:bool", "or:operatorKeyword", "null:null"]);
    expect(kinds("$.a + $$.b")).toEqual(["$:variableName.special", ".:operator", "a:propertyName", "+:operator", "$$:variableName.special", ".:operator", "b:propertyName"]);
    expect(kinds("`first name` & 1e3")).toEqual(["`first name`:propertyName.special", "&:operator", "1e3:number"]);
  });

  it("reads comments, across lines too", () => {
    expect(kinds("/* total */ a")).toEqual(["/* total */:blockComment", "a:propertyName"]);
    expect(kinds("a /* one\ntwo */ + 1")).toEqual(["a:propertyName", "/* one:blockComment", "two */:blockComment", "+:operator", "1:number"]);
  });

  it("tells a regular expression from a division by what comes before the slash", () => {
    expect(kinds("$match(name, /ab+c/i)")).toContain("/ab+c/i:regexp");
    expect(kinds("total / 2")).toEqual(["total:propertyName", "/:operator", "2:number"]);
    expect(kinds("(a) / (b)")).toContain("/:operator");
  });

  it("keeps an unterminated string a string to the end, and marks stray characters", () => {
    expect(kinds("'abc")).toEqual(["'abc:string"]);
    expect(kinds("a \\ b")).toEqual(["a:propertyName", "\\:invalid", "b:propertyName"]);
  });
});

describe("JSONata parse check", () => {
  it("passes expressions the save accepts, and empty text", () => {
    expect(jsonataProblem("$sum(input.items.price)")).toBeNull();
    expect(jsonataProblem("{ 'total': prep.total }")).toBeNull();
    expect(jsonataProblem("")).toBeNull();
    expect(jsonataProblem("   ")).toBeNull();
  });

  it("says where and why an expression does not parse", () => {
    expect(jsonataProblem("foo bar")).toEqual({ message: '"bar"', position: 7, code: "S0201" });
    expect(describeJsonataProblem(jsonataProblem("foo bar")!)).toBe('Syntax error at 7: "bar"');
    expect(describeJsonataProblem(jsonataProblem("$sum(input.items.price")!)).toBe('Syntax error at 22: Expected ")" before end of expression');
    expect(jsonataProblem("'abc")).toMatchObject({ message: "String literal must be terminated by a matching quote", code: "S0101" });
    expect(jsonataProblem("1 +")?.message).toBe("Unexpected end of expression");
  });
});
