// Reads as Solid Router queries (cached, revalidated by key) and writes as actions.
import { action, query, revalidate } from "@solidjs/router";
import { api, qs } from "./client";
import type {
  ApiKey,
  Connector,
  ConnectorPatch,
  ConnectorTestResult,
  CreatedApiKey,
  CreatedVersion,
  CreatedWebhook,
  Delivery,
  Job,
  JobDetail,
  JobPage,
  Me,
  NewConnector,
  NewKey,
  NewWebhook,
  NewSchedule,
  Schedule,
  SchedulePatch,
  NodeType,
  Rule,
  RuleSummary,
  RuleVersionSummary,
  Usage,
  Webhook,
} from "./types";

export const getMe = query(() => api<Me>("/api/me"), "me");

export const getJob = query((jobId: string) => api<JobDetail>(`/api/jobs/${encodeURIComponent(jobId)}`), "job");

export const getRules = query(async () => (await api<{ items: RuleSummary[] }>("/api/rules")).items, "rules");

export const getRule = query((rule: string) => api<Rule>(`/api/rules/${encodeURIComponent(rule)}`), "rule");

export const getRuleVersion = query(
  (rule: string, version: number) => api<Rule>(`/api/rules/${encodeURIComponent(rule)}/versions/${version}`),
  "ruleVersion",
);

/**
 * A rule's versions, newest first, without their definitions: one request whatever their number
 * (every save in the designer is a version); a version is read whole with getRuleVersion.
 */
export const getRuleVersions = query(
  async (rule: string) => (await api<{ items: RuleVersionSummary[] }>(`/api/rules/${encodeURIComponent(rule)}/versions`)).items,
  "ruleVersions",
);

/** Saves the next version of a rule (published at once when asked); the rule's versions are read anew. */
export const saveRuleVersion = action(async (rule: string, definition: unknown, publish = false) => {
  const created = await api<CreatedVersion>(`/api/rules/${encodeURIComponent(rule)}/versions`, { method: "POST", body: { definition, publish } });
  await revalidate([getRuleVersions.keyFor(rule), getRule.keyFor(rule), getRules.key]);
  return created;
}, "saveRuleVersion");

export const publishRuleVersion = action(async (rule: string, version: number) => {
  const published = await api<CreatedVersion>(`/api/rules/${encodeURIComponent(rule)}/versions/${version}/publish`, { method: "POST" });
  await revalidate([getRuleVersions.keyFor(rule), getRule.keyFor(rule), getRules.key]);
  return published;
}, "publishRuleVersion");

export const getUsage = query(() => api<Usage>("/api/usage"), "usage");

export const getWebhooks = query(async () => (await api<{ items: Webhook[] }>("/api/webhooks")).items, "webhooks");

export const getKeys = query(async () => (await api<{ items: ApiKey[] }>("/api/keys")).items, "keys");

export const getDeliveries = query(
  async (webhookId: string) =>
    (await api<{ items: Delivery[]; nextCursor: string | null }>(`/api/webhooks/${webhookId}/deliveries${qs({ limit: 20 })}`)).items,
  "deliveries",
);

export const listJobs = (params: Record<string, string | number | undefined>) => api<JobPage>(`/api/jobs${qs(params)}`);

export const cancelJob = action(async (jobId: string) => {
  const job = await api<Job>(`/job/cancel/${encodeURIComponent(jobId)}`, { method: "POST" });
  await revalidate(getJob.keyFor(jobId));
  return job;
}, "cancelJob");

export const cancelAllWaiting = action(async (spaceId: string) => {
  return api<{ canceled: number }>(`/job/cancelAll/space/${encodeURIComponent(spaceId)}`, { method: "POST" });
}, "cancelAllWaiting");

export const runAgain = action(async (job: Job) => {
  const flow = job.ruleReference.alias ?? job.ruleReference.baseId;
  return api<{ jobId: string }>(`/job/start/${encodeURIComponent(flow)}/${job.ruleReference.version}`, {
    method: "POST",
    body: job.inputData,
  });
}, "runAgain");

export const setPayAsYouGo = action(async (payAsYouGo: boolean) => {
  const result = await api<{ payAsYouGo: boolean }>("/api/billing", { method: "PUT", body: { payAsYouGo } });
  await revalidate([getUsage.key, getMe.key]);
  return result;
}, "setPayAsYouGo");

export const getSchedules = query(async () => (await api<{ items: Schedule[] }>("/api/schedules")).items, "schedules");

export const createSchedule = action(async (input: NewSchedule) => {
  const created = await api<Schedule>("/api/schedules", { method: "POST", body: input });
  await revalidate(getSchedules.key);
  return created;
}, "createSchedule");

export const updateSchedule = action(async (id: string, patch: SchedulePatch) => {
  const updated = await api<Schedule>(`/api/schedules/${id}`, { method: "PATCH", body: patch });
  await revalidate(getSchedules.key);
  return updated;
}, "updateSchedule");

/** Starts the schedule's flow now; the job list shows it on its next poll. */
export const runScheduleNow = action(async (id: string) => api<Job>(`/api/schedules/${id}/run`, { method: "POST" }), "runScheduleNow");

export const deleteSchedule = action(async (id: string) => {
  await api<void>(`/api/schedules/${id}`, { method: "DELETE" });
  await revalidate(getSchedules.key);
}, "deleteSchedule");

export const createWebhook = action(async (input: NewWebhook) => {
  const created = await api<CreatedWebhook>("/api/webhooks", { method: "POST", body: input });
  await revalidate(getWebhooks.key);
  return created;
}, "createWebhook");

export const updateWebhook = action(async (id: string, patch: Partial<NewWebhook>) => {
  const updated = await api<Webhook>(`/api/webhooks/${id}`, { method: "PATCH", body: patch });
  await revalidate(getWebhooks.key);
  return updated;
}, "updateWebhook");

export const renewWebhookSecret = action(async (id: string, keepPreviousForSeconds: number) => {
  const renewed = await api<CreatedWebhook>(`/api/webhooks/${id}/secret`, { method: "POST", body: { keepPreviousForSeconds } });
  await revalidate(getWebhooks.key);
  return renewed;
}, "renewWebhookSecret");

export const deleteWebhook = action(async (id: string) => {
  await api<void>(`/api/webhooks/${id}`, { method: "DELETE" });
  await revalidate(getWebhooks.key);
}, "deleteWebhook");

export const redeliver = action(async (deliveryId: string, webhookId: string) => {
  const result = await api<{ id: string }>(`/api/webhooks/deliveries/${deliveryId}/redeliver`, { method: "POST" });
  await revalidate(getDeliveries.keyFor(webhookId));
  return result;
}, "redeliver");

export const createApiKey = action(async (input: NewKey) => {
  const created = await api<CreatedApiKey>("/api/keys", { method: "POST", body: input });
  await revalidate(getKeys.key);
  return created;
}, "createApiKey");

export const deleteApiKey = action(async (id: string) => {
  await api<void>(`/api/keys/${encodeURIComponent(id)}`, { method: "DELETE" });
  await revalidate(getKeys.key);
}, "deleteApiKey");

export const getConnectors = query(async () => (await api<{ items: Connector[] }>("/api/connectors")).items, "connectors");

export const createConnector = action(async (input: NewConnector) => {
  const created = await api<Connector>("/api/connectors", { method: "POST", body: input });
  await revalidate(getConnectors.key);
  return created;
}, "createConnector");

export const updateConnector = action(async (id: string, patch: ConnectorPatch) => {
  const updated = await api<Connector>(`/api/connectors/${encodeURIComponent(id)}`, { method: "PATCH", body: patch });
  await revalidate(getConnectors.key);
  return updated;
}, "updateConnector");

export const deleteConnector = action(async (id: string) => {
  await api<void>(`/api/connectors/${encodeURIComponent(id)}`, { method: "DELETE" });
  await revalidate(getConnectors.key);
}, "deleteConnector");

/** Every node type in palette order (basic, rules, data, advanced), each with its data's JSON Schema. */
export const getNodeTypes = query(async () => (await api<{ items: NodeType[] }>("/api/node-types")).items, "nodeTypes");

/** Not an action: it changes nothing, so nothing is revalidated. */
export const testConnector = (id: string) => api<ConnectorTestResult>(`/api/connectors/${encodeURIComponent(id)}/test`, { method: "POST" });
