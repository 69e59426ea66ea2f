// Muster dashboard: plain JavaScript, no framework, no build step, nothing from another origin.
//
// What it shows it reads from the node that served it: /api/cluster/nodes, /info, /agents and
// /strategy. It hears about changes from the event stream (/api/cluster/events): each event marks
// the endpoints it affects, which are re-read together a moment later (debounced), so a change
// shows within a second. A poll every two seconds re-reads everything as a fallback, so the page
// stays right while the stream is down. Every fetch carries the token when one is known; a 401
// stops the polling and asks for the token.
//
// Threading: the browser's one thread; fetches are async, and at most one refresh is in flight
// (a request for another while one runs is merged into the next).
import { el, renderAgents, renderHealth, renderLegend, renderSummary, renderTopology } from './view.js';

/** Fallback poll: everything is re-read this often, whatever the stream says. */
const POLL_MS = 2000;
/** Events arriving within this window are merged into one re-read. */
const DEBOUNCE_MS = 150;
/** A fetch that takes longer is abandoned (the next poll tries again). */
const FETCH_TIMEOUT_MS = 5000;
/** Lines kept in the event feed; older ones are dropped. */
const FEED_MAX = 200;
/** Reconnect delays of the event stream after an error: doubling from min to max. */
const STREAM_RETRY_MIN_MS = 1000;
const STREAM_RETRY_MAX_MS = 30000;
const TOKEN_KEY = 'muster.token';
/** Reaped members the ring keeps showing as dead, at most. */
const REAPED_MAX = 100;

const STRATEGIES = ['round-robin', 'least-loaded', 'least-agents', 'random', 'weighted'];
const EVENT_TYPES = ['member', 'leader', 'strategy', 'status', 'assignment', 'service', 'reset'];
const ENDPOINTS = {
  nodes: '/api/cluster/nodes',
  info: '/api/cluster/info',
  agents: '/api/cluster/agents',
  strategy: '/api/cluster/strategy',
};
/** Which endpoints an event of each type makes stale. */
const AFFECTS = {
  member: ['nodes', 'info'],
  leader: ['info', 'nodes', 'strategy'],
  strategy: ['strategy'],
  status: ['nodes'],
  assignment: ['agents'],
  service: ['nodes'],
  reset: Object.keys(ENDPOINTS),
};

const $ = (id) => document.getElementById(id);
const view = {
  nodes: null, info: null, agents: null, strategy: null,
  errors: {}, // endpoint -> {status, error, detail} of its last failed read
  unauthorized: false, unreachable: false, streamOpen: false,
};

// ---- token ----------------------------------------------------------------------------

/** The token given in this tab: kept in sessionStorage, or only in memory where storage is off. */
let memoryToken = '';

function currentToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch (e) {
    return memoryToken;
  }
}

function setToken(t) {
  memoryToken = t;
  try {
    if (t) {
      sessionStorage.setItem(TOKEN_KEY, t);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
  } catch (e) {
    // storage is off (a privacy setting): memoryToken serves until the page is reloaded
  }
}

/** Takes #token=... from the address (then removes it, so it is not bookmarked or shown). */
function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!m) {
    return;
  }
  let t = m[1];
  try {
    t = decodeURIComponent(t);
  } catch (e) {
    // a malformed escape: use it as written
  }
  setToken(t.trim());
  history.replaceState(null, '', location.pathname + location.search);
}

// ---- HTTP -----------------------------------------------------------------------------

/** Fetches a JSON endpoint: {status, body}; status 0 when the node could not be reached. */
async function api(path, init) {
  const headers = new Headers((init && init.headers) || {});
  const t = currentToken();
  if (t) {
    headers.set('Authorization', 'Bearer ' + t);
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(path, Object.assign({}, init, { headers, signal: abort.signal, cache: 'no-store' }));
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      body = { error: 'not JSON', detail: text.slice(0, 200) };
    }
    return { status: res.status, body };
  } catch (e) {
    return { status: 0, body: { error: 'unreachable', detail: e.name === 'AbortError'
      ? 'no answer within ' + FETCH_TIMEOUT_MS / 1000 + ' s' : String(e.message || e) } };
  } finally {
    clearTimeout(timer);
  }
}

// ---- refreshing -----------------------------------------------------------------------

/** name -> the last entry of a member that died and was reaped, oldest first. */
const reaped = new Map();
let stale = new Set();
let refreshing = false;
let debounceTimer = null;

/** Marks endpoints stale and re-reads them after the debounce window. */
function invalidate(names) {
  names.forEach((n) => stale.add(n));
  if (debounceTimer === null) {
    debounceTimer = setTimeout(() => {
      debounceTimer = null;
      refresh();
    }, DEBOUNCE_MS);
  }
}

async function refresh() {
  if (refreshing || stale.size === 0) {
    return;
  }
  if (view.unauthorized) {
    stale.clear(); // nothing is re-read until a token is given
    return;
  }
  refreshing = true;
  const names = stale;
  stale = new Set();
  try {
    // The strategy is a read through the leader: not asked while there is none. A node without
    // a control plane will not grow one while it runs: its agents are not asked again until
    // it restarts (a reset on the stream, or a spell unreachable).
    const wanted = [...names].filter((n) => (n !== 'strategy' || hasLeader()) && !refusedForGood(n));
    const answers = await Promise.all(wanted.map((n) => api(ENDPOINTS[n]).then((a) => [n, a])));
    for (const [name, a] of answers) {
      take(name, a);
    }
    if (names.has('strategy') && !wanted.includes('strategy') && hasLeader()) {
      stale.add('strategy'); // skipped for want of a leader, and there is one now
    }
    render();
  } finally {
    refreshing = false;
    if (stale.size > 0) {
      invalidate([]);
    }
  }
}

function take(name, a) {
  if (a.status === 200) {
    view[name] = name === 'nodes' ? withReaped(a.body) : a.body;
    delete view.errors[name];
  } else {
    view.errors[name] = { status: a.status, error: (a.body && a.body.error) || 'error',
      detail: (a.body && a.body.detail) || '' };
    if (name === 'strategy') {
      view.strategy = null; // other figures stay as last read while the node is unreachable
    }
  }
  view.unauthorized = Object.values(view.errors).some((e) => e.status === 401);
  view.unreachable = Object.values(view.errors).some((e) => e.status === 0);
  if (view.unreachable) {
    forgetRefusals(); // it may come back as another build or with a control plane
  }
}

/**
 * The members, plus those that died while this page watched and were since reaped (a node
 * forgets a dead member after its retention, 30 s on a LAN): kept as dead and marked reaped, so
 * a crash does not vanish from the ring, until the name comes back. One that left gracefully
 * just goes.
 */
function withReaped(nodes) {
  const now = new Set(nodes.map((n) => n.name));
  for (const n of view.nodes || []) {
    if (!now.has(n.name) && n.state !== 'left' && n.state !== 'leaving') {
      reaped.set(n.name, Object.assign({}, n, { state: 'dead', status: 'offline', reaped: true }));
    }
  }
  now.forEach((name) => reaped.delete(name));
  while (reaped.size > REAPED_MAX) {
    reaped.delete(reaped.keys().next().value); // the longest gone
  }
  return nodes.concat([...reaped.values()]);
}

function refusedForGood(name) {
  const e = view.errors[name];
  return !!e && e.status === 503 && e.error === 'no control plane';
}

function forgetRefusals() {
  Object.keys(view.errors).filter(refusedForGood).forEach((n) => delete view.errors[n]);
}

function hasLeader() {
  return !!(view.info && view.info.leader);
}

function poll() {
  invalidate(Object.keys(ENDPOINTS));
  setTimeout(poll, POLL_MS);
}

// ---- the event stream -----------------------------------------------------------------

let stream = null;
let lastEventId = '';
let retryMs = STREAM_RETRY_MIN_MS;
let retryTimer = null;

function connect() {
  if (retryTimer !== null) {
    clearTimeout(retryTimer);
    retryTimer = null;
  }
  if (stream) {
    stream.close();
  }
  const params = new URLSearchParams();
  const t = currentToken();
  if (t) {
    params.set('token', t);
  }
  if (lastEventId) {
    params.set('last_event_id', lastEventId);
  }
  const q = params.toString();
  const es = new EventSource('/api/cluster/events' + (q ? '?' + q : ''));
  stream = es;
  es.onopen = () => {
    retryMs = STREAM_RETRY_MIN_MS;
    view.streamOpen = true;
    invalidate(Object.keys(ENDPOINTS)); // whatever happened while it was down
    renderLink();
  };
  const onEvent = (e) => handleEvent(e);
  EVENT_TYPES.forEach((type) => es.addEventListener(type, onEvent));
  es.onmessage = onEvent;
  es.onerror = () => {
    // Closed by us and retried with a growing delay, instead of the browser's fixed quick
    // retries: a node without the stream (or refusing the token) is asked rarely.
    es.close();
    if (stream === es) {
      stream = null;
      view.streamOpen = false;
      renderLink();
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, STREAM_RETRY_MAX_MS);
    }
  };
}

function handleEvent(e) {
  if (e.lastEventId) {
    lastEventId = e.lastEventId;
  }
  let data = {};
  try {
    data = JSON.parse(e.data);
  } catch (err) {
    data = { raw: String(e.data).slice(0, 200) };
  }
  const type = e.type === 'message' ? (data.type || 'message') : e.type;
  if (type === 'reset') {
    forgetRefusals();
  }
  feed(type, data);
  invalidate(AFFECTS[type] || Object.keys(ENDPOINTS));
}

// ---- the event feed -------------------------------------------------------------------

function describe(type, d) {
  const or = (v, dflt) => (v === null || v === undefined || v === '' ? dflt : v);
  switch (type) {
    case 'member':
      return or(d.node, '?') + ' ' + or(d.kind, '?') + (d.state && d.state !== d.kind ? ' (' + d.state + ')' : '')
        + (d.incarnation !== undefined ? ', incarnation ' + d.incarnation : '');
    case 'leader':
      return (d.leader ? d.leader + ' leads' : 'no leader') + (d.term !== undefined && d.term !== null
        ? ' (term ' + d.term + ')' : '') + (d.previous ? ', was ' + d.previous : '');
    case 'strategy':
      return 'strategy is now ' + or(d.strategy, '?');
    case 'status':
      return or(d.node, '?') + ' is ' + or(d.status, '?');
    case 'assignment': {
      const agent = 'agent ' + or(d.id, '?') + ' ';
      const on = d.node ? ' on ' + d.node : '';
      switch (d.kind) {
        case 'moved':
          return agent + 'moved ' + or(d.previous_node, '?') + ' \u2192 ' + or(d.node, '?');
        case 'phase':
          return agent + or(d.phase, '?') + on;
        case 'added':
          return agent + 'added' + (d.phase ? ' (' + d.phase + ')' : '');
        default:
          return agent + or(d.kind, '?') + on;
      }
    }
    case 'service':
      return 'service ' + or(d.service, '?') + ' ' + or(d.kind, '?') + (d.node ? ' on ' + d.node : '');
    case 'reset':
      return 'stream reset (' + or(d.reason, 'no reason given') + '): re-reading everything';
    default:
      return JSON.stringify(d).slice(0, 200);
  }
}

function feed(type, data) {
  if (type === 'member' && data.kind === 'updated' && !$('events-updates').checked) {
    return; // health figures republished every few seconds: shown only when asked for
  }
  const list = $('events');
  const placeholder = list.querySelector('li.empty');
  if (placeholder) {
    placeholder.remove();
  }
  const li = el('li', null, null);
  li.dataset.type = type;
  const at = typeof data.at_ms === 'number' ? new Date(data.at_ms) : new Date();
  li.append(el('span', 'at', at.toLocaleTimeString([], { hour12: false }) + '.'
    + String(at.getMilliseconds()).padStart(3, '0')), el('span', 'type', type), describe(type, data));
  list.prepend(li);
  while (list.children.length > FEED_MAX) {
    list.lastElementChild.remove();
  }
}

// ---- rendering ------------------------------------------------------------------------




function render() {
  renderLink();
  renderBanner();
  renderSummary(view);
  renderTopology(view);
  renderHealth(view);
  renderAgents(view);
  renderStrategy();
}

function renderLink() {
  const link = $('link');
  let mode = 'polling';
  let text = 'polling every ' + POLL_MS / 1000 + ' s';
  if (view.unauthorized) {
    mode = 'unauthorized';
    text = 'token needed';
  } else if (view.unreachable) {
    mode = 'unreachable';
    text = 'node unreachable';
  } else if (view.streamOpen) {
    mode = 'live';
    text = 'live';
  }
  link.dataset.mode = mode;
  link.textContent = text;
}

function renderBanner() {
  const banner = $('banner');
  let kind = '';
  let text = '';
  if (view.unauthorized) {
    kind = 'unauthorized';
    text = (currentToken() ? 'The token given was refused (401). ' : 'This node asks for the cluster token (401). ')
      + 'Type it in the Token field above, or open this page as /#token=TOKEN; a cluster started with'
      + ' \u2018muster start\u2019 keeps it in .muster/token.';
  } else if (view.unreachable) {
    kind = 'unreachable';
    const e = Object.values(view.errors).find((x) => x.status === 0);
    text = 'Cannot reach this node (' + location.host + '): ' + e.detail + '. Retrying every '
      + POLL_MS / 1000 + ' s; the figures below are the last ones read.';
  } else {
    const e = Object.entries(view.errors).find(([name]) => name !== 'agents' && name !== 'strategy');
    if (e) {
      kind = 'error';
      text = ENDPOINTS[e[0]] + ' answered ' + e[1].status + ' ' + e[1].error + ': ' + e[1].detail;
    }
  }
  banner.hidden = !text;
  banner.dataset.kind = kind;
  banner.textContent = text;
}













let strategyTouched = false;

function renderStrategy() {
  const current = $('strategy-current');
  const version = $('strategy-version');
  const select = $('strategy-select');
  const apply = $('strategy-apply');
  const s = view.strategy;
  const err = view.errors.strategy;
  if (s) {
    current.textContent = s.strategy;
    version.textContent = hasLeader() ? '(version ' + s.version + ')' : '(last read; no leader now)';
    if (!strategyTouched) {
      select.value = s.strategy;
    }
  } else {
    current.textContent = hasLeader() ? (err ? 'unknown: ' + err.detail : 'reading\u2026') : 'unknown until a leader is elected';
    version.textContent = '';
  }
  apply.disabled = !hasLeader();
  apply.title = hasLeader() ? 'Switch the cluster\u2019s balancing strategy (needs the token)' : 'no leader to write to';
}

async function applyStrategy(ev) {
  ev.preventDefault();
  const result = $('strategy-result');
  const wanted = $('strategy-select').value;
  result.dataset.kind = '';
  result.textContent = 'switching to ' + wanted + '\u2026';
  const a = await api(ENDPOINTS.strategy, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ strategy: wanted }) });
  if (a.status === 200) {
    strategyTouched = false;
    result.dataset.kind = 'ok';
    result.textContent = 'switched to ' + a.body.strategy + ' (version ' + a.body.version + ')';
    view.strategy = a.body;
    renderStrategy();
  } else if (a.status === 401) {
    result.dataset.kind = 'error';
    result.textContent = 'Switching the strategy needs the cluster token: type it in the Token field above.';
  } else {
    result.dataset.kind = 'error';
    result.textContent = 'not switched: ' + a.status + ' ' + a.body.error + ': ' + a.body.detail;
  }
  invalidate(['strategy']);
}

// ---- start ----------------------------------------------------------------------------

function start() {
  tokenFromFragment();
  $('token').value = currentToken();
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setToken($('token').value.trim());
    view.unauthorized = false;
    view.errors = {};
    invalidate(Object.keys(ENDPOINTS));
    connect();
  });
  $('token-forget').addEventListener('click', () => {
    setToken('');
    $('token').value = '';
    invalidate(Object.keys(ENDPOINTS));
    connect();
  });
  const select = $('strategy-select');
  select.replaceChildren(...STRATEGIES.map((s) => {
    const o = el('option', null, s);
    o.value = s;
    return o;
  }));
  select.addEventListener('change', () => {
    strategyTouched = true;
  });
  $('strategy-form').addEventListener('submit', applyStrategy);
  $('events').replaceChildren(el('li', 'empty', 'waiting for events\u2026'));
  renderLegend();
  render();
  poll();
  connect();
}

start();
