// main.js - the app shell: navigation, the route table and the key dialog.
//
// To add a page: write web/src/pages/<name>.js exporting a component that takes
// {params, query} (path parameters and the hash query), import it here, add its patterns to
// ROUTES and, for a top-level section, an entry to NAV.
import { render } from 'preact';
import { html } from './html.js';
import { match, useRoute } from './router.js';
import { KeyDialog, Empty } from './components.js';
import './style.css';
import { ExperimentsPage } from './pages/experiments.js';
import { RunsPage } from './pages/runs.js';
import { RunPage } from './pages/run.js';
import { ComparePage } from './pages/compare.js';
import { ModelsPage, ModelPage, ModelVersionPage } from './pages/models.js';
import { PromptsPage, PromptPage } from './pages/prompts.js';
import { PlaygroundPage } from './pages/playground.js';
import { LineagePage } from './pages/lineage.js';
import { OBS_ROUTES, OBS_NAV } from './pages/obs_routes.js';

// [pattern, component]: first match wins.
const ROUTES = [
  ['/', ExperimentsPage],
  ['/experiments', ExperimentsPage],
  ['/experiments/:id/runs', RunsPage],
  ['/runs/:id', RunPage],
  ['/compare', ComparePage],
  ['/models', ModelsPage],
  ['/models/:name', ModelPage],
  ['/models/:name/versions/:version', ModelVersionPage],
  ['/prompts', PromptsPage],
  ['/prompts/:name', PromptPage],
  ['/playground', PlaygroundPage],
  ['/lineage', LineagePage],
  ...OBS_ROUTES,
];

// [label, hash path, path prefixes that highlight it]
const NAV = [
  ['Experiments', '/experiments', ['/experiments', '/runs', '/compare']],
  ['Models', '/models', ['/models']],
  ['Prompts', '/prompts', ['/prompts']],
  ['Playground', '/playground', ['/playground']],
  ...OBS_NAV,
];

function NotFound({ path }) {
  return html`<${Empty} title=${'Nothing at ' + path}>
    <p>This link does not name a page of the UI. Start from <a href="#/experiments">Experiments</a>.</p>
  <//>`;
}

function App() {
  const { path, query } = useRoute();
  const m = match(ROUTES, path);
  const Page = m ? m.component : NotFound;
  const section = (path === '/' ? '/experiments' : path);
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/">llmops</a>
      <nav aria-label="sections">
        ${NAV.map(([label, to, prefixes]) => html`<a href=${'#' + to}
          aria-current=${prefixes.some((p) => section.startsWith(p)) ? 'page' : undefined}>${label}</a>`)}
      </nav>
    </header>
    <main id="main" tabindex="-1">
      <${Page} key=${path} params=${m ? m.params : {}} query=${query} path=${path} />
    </main>
    <${KeyDialog} />`;
}

render(html`<${App} />`, document.getElementById('app'));
