// obs_api.js - the calls the Traces, Monitoring, Gateway and Datasets & evaluations pages make,
// one function per API operation, so the pages read as what they do and the URL shapes live in
// one place. Errors are api.js's ApiError (status, message, field).
import { api, qs } from '../api.js';

const enc = encodeURIComponent;

export const listTraces = (params) => api.get(`/api/v1/traces${qs(params)}`);
export const getTrace = (id) => api.get(`/api/v1/traces/${enc(id)}`);
export const listSessions = (params) => api.get(`/api/v1/sessions${qs(params)}`);
export const getSession = (id) => api.get(`/api/v1/sessions/${enc(id)}`);
export const addFeedback = (body) => api.post('/api/v1/feedback', body);
export const deleteFeedback = (id) => api.del(`/api/v1/feedback/${enc(id)}`);

export const monitorSummary = (params) => api.get(`/api/v1/monitor/summary${qs(params)}`);
export const monitorDrift = (params) => api.get(`/api/v1/monitor/drift${qs(params)}`);
export const listAlertRules = () => api.get('/api/v1/alerts/rules');
export const getAlertRule = (id) => api.get(`/api/v1/alerts/rules/${enc(id)}`);
export const createAlertRule = (body) => api.post('/api/v1/alerts/rules', body);
export const deleteAlertRule = (id) => api.del(`/api/v1/alerts/rules/${enc(id)}`);
export const listAlertEvents = (params) => api.get(`/api/v1/alerts/events${qs(params)}`);
export const evaluateAlerts = () => api.post('/api/v1/alerts/evaluate', {});

export const listEndpoints = () => api.get('/api/v1/endpoints');
export const listKeys = () => api.get('/api/v1/keys');
export const createKey = (body) => api.post('/api/v1/keys', body);
export const revokeKey = (id) => api.post(`/api/v1/keys/${enc(id)}/revoke`, {});
export const listPrices = () => api.get('/api/v1/prices');

export const listDatasets = (params) => api.get(`/api/v1/datasets${qs(params)}`);
export const getDataset = (name) => api.get(`/api/v1/datasets/${enc(name)}`);
export const listDatasetVersions = (name, params) => api.get(`/api/v1/datasets/${enc(name)}/versions${qs(params)}`);
export const getDatasetVersion = (name, v) => api.get(`/api/v1/datasets/${enc(name)}/versions/${enc(v)}`);
export const datasetRows = (name, v, params) => api.get(`/api/v1/datasets/${enc(name)}/versions/${enc(v)}/rows${qs(params)}`);
export const datasetExportUrl = (name, v, format, split) =>
  `/api/v1/datasets/${enc(name)}/versions/${enc(v)}/export${qs({ format, split })}`;

export const listEvaluations = (params) => api.get(`/api/v1/evaluations${qs(params)}`);
export const getEvaluation = (id) => api.get(`/api/v1/evaluations/${enc(id)}`);
export const evaluationRows = (id, params) => api.get(`/api/v1/evaluations/${enc(id)}/rows${qs(params)}`);
export const compareEvaluations = (a, b) => api.get(`/api/v1/evaluations/compare${qs({ a, b })}`);
