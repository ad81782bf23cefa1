// obs_routes.js - the routes and navigation entries of the Traces, Sessions, Monitoring, Gateway
// and Datasets & evaluations pages, spread into main.js's ROUTES and NAV (one place to look,
// and main.js stays a short list).
import { TracesPage } from './traces.js';
import { TraceViewPage } from './trace_view.js';
import { SessionsPage, SessionViewPage } from './sessions.js';
import { MonitoringPage } from './monitoring.js';
import { GatewayPage } from './gateway.js';
import { DatasetsPage, DatasetPage, DatasetVersionPage } from './datasets.js';
import { EvaluationsPage, EvaluationPage, EvaluationComparePage } from './evaluations.js';

export const OBS_ROUTES = [
  ['/traces', TracesPage],
  ['/traces/:id', TraceViewPage],
  ['/sessions', SessionsPage],
  ['/sessions/:id', SessionViewPage],
  ['/monitoring', MonitoringPage],
  ['/gateway', GatewayPage],
  ['/datasets', DatasetsPage],
  ['/datasets/:name', DatasetPage],
  ['/datasets/:name/:version', DatasetVersionPage],
  ['/evaluations', EvaluationsPage],
  ['/evaluations/compare', EvaluationComparePage],
  ['/evaluations/:id', EvaluationPage],
];

export const OBS_NAV = [
  ['Traces', '/traces', ['/traces', '/sessions']],
  ['Monitoring', '/monitoring', ['/monitoring']],
  ['Gateway', '/gateway', ['/gateway']],
  ['Datasets & evals', '/datasets', ['/datasets', '/evaluations']],
];
