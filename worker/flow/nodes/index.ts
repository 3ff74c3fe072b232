// The node types a flow can use. A new type is one file in this folder and one line here.
import { assignNode } from "./assign";
import { businessRuleNode } from "./business-rule";
import { codeNode } from "./code";
import { databaseExecuteNode } from "./database-execute";
import { databaseQueryNode } from "./database-query";
import { databaseRowNode } from "./database-row";
import { endNode } from "./end";
import { foreachNode } from "./foreach";
import type { NodeHandler } from "./handler";
import { logNode } from "./log";
import { restApiNode } from "./rest-api";
import { startNode } from "./start";
import { switchNode } from "./switch";
import { waitNode } from "./wait";

export type NodeHandlers = Readonly<Record<string, NodeHandler>>;

export const NODE_HANDLERS: NodeHandlers = {
  START: startNode,
  ASSIGN: assignNode,
  LOG: logNode,
  WAIT: waitNode,
  FOREACH: foreachNode,
  END: endNode,
  SWITCH: switchNode,
  BUSINESS_RULE: businessRuleNode,
  REST_API: restApiNode,
  CODE: codeNode,
  DATABASE_QUERY: databaseQueryNode,
  DATABASE_ROW: databaseRowNode,
  DATABASE_EXECUTE: databaseExecuteNode,
};
