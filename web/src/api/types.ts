// Wire types, inferred from the Worker's zod schemas (types only: nothing from worker/ is bundled).
import type { z } from "zod";
import type { Job as JobSchema, JobSummary as JobSummarySchema, LogLineSchema } from "../../../worker/http/schemas";
import type { DecisionTable as DecisionTableSchema } from "../../../worker/decisions/table";
import type { NodeState as EngineNodeState } from "../../../worker/flow/node-states";
import type { Usage as UsageSchema } from "../../../worker/http/routes/usage";
import type { Rule as RuleSchema, RuleSummary as RuleSummarySchema, RuleVersionSummary as RuleVersionSummarySchema } from "../../../worker/http/routes/rules";
import type { Delivery as DeliverySchema, Webhook as WebhookSchema, NewWebhook as NewWebhookSchema } from "../../../worker/http/routes/webhooks";
import type { JobCounts as JobCountsSchema, JobPage as JobPageSchema, JobWithNodes as JobWithNodesSchema } from "../../../worker/http/routes/console-jobs";
import type { ApiKey as ApiKeySchema, CreatedApiKey as CreatedApiKeySchema, NewKey as NewKeySchema } from "../../../worker/http/routes/keys";
import type { NodeType as NodeTypeSchema } from "../../../worker/http/routes/node-types";
import type { NewSchedule as NewScheduleSchema, Schedule as ScheduleSchema, SchedulePatch as SchedulePatchSchema } from "../../../worker/http/routes/schedules";
import type {
  Connector as ConnectorSchema,
  ConnectorPatch as ConnectorPatchSchema,
  ConnectorTestResult as ConnectorTestResultSchema,
  NewConnector as NewConnectorSchema,
} from "../../../worker/http/routes/connectors";

export type Job = z.infer<typeof JobSchema>;
export type JobSummary = z.infer<typeof JobSummarySchema>;
export type JobDetail = z.infer<typeof JobWithNodesSchema>;
export type JobPage = z.infer<typeof JobPageSchema>;
export type JobCounts = z.infer<typeof JobCountsSchema>;
export type StateCount = JobCounts["counts"][JobState];
export type LogLine = z.infer<typeof LogLineSchema>;
export type JobState = Job["status"]["state"];
export type Usage = z.infer<typeof UsageSchema>;
export type Rule = z.infer<typeof RuleSchema>;
/** A rule as GET /api/rules lists it: no definition. */
export type RuleSummary = z.infer<typeof RuleSummarySchema>;
/** A version as GET /api/rules/{rule}/versions lists it: no definition. */
export type RuleVersionSummary = z.infer<typeof RuleVersionSummarySchema>;
/** What saving or publishing a version answers. */
export interface CreatedVersion {
  ruleId: string;
  version: number;
  status: Rule["status"];
}
export type Webhook = z.infer<typeof WebhookSchema>;
export type NewWebhook = z.infer<typeof NewWebhookSchema>;
export type Delivery = z.infer<typeof DeliverySchema>;
export type CreatedWebhook = Webhook & { secret: string };
export type Schedule = z.infer<typeof ScheduleSchema>;
export type NewSchedule = z.infer<typeof NewScheduleSchema>;
export type SchedulePatch = z.infer<typeof SchedulePatchSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type NewKey = z.infer<typeof NewKeySchema>;
export type Connector = z.infer<typeof ConnectorSchema>;
export type NewConnector = z.input<typeof NewConnectorSchema>;
export type ConnectorPatch = z.infer<typeof ConnectorPatchSchema>;
export type ConnectorTestResult = z.infer<typeof ConnectorTestResultSchema>;
/** A node type of the designer's palette, with the JSON Schema of its data (GET /api/node-types). */
export type NodeType = z.infer<typeof NodeTypeSchema>;

export interface Me {
  account: { id: string; name: string; parallelLimit: number; payAsYouGo: boolean };
  space: { id: string; name: string };
  key: { id: string; name: string; kind: string };
}

export type NodeState = EngineNodeState;
export type DecisionTable = z.infer<typeof DecisionTableSchema>;

export interface FlowNode {
  id: string;
  type: string;
  name: string;
  data?: Record<string, unknown>;
}
export interface FlowConnection {
  source: string;
  target: string;
  port?: string;
}
export interface FlowDefinition {
  nodes: FlowNode[];
  connections: FlowConnection[];
  inputSchema?: Record<string, unknown>;
}
