// The dashboard's drawing: the topology ring, its legend, the cluster summary and the node and
// assignment tables, each rebuilt from the latest answers of the API (the `view` app.js keeps).
// Only DOM building, no fetching; text always goes in as text, never as HTML.
//
// Threading: the browser's one thread.

export const STATES = ['alive', 'suspect', 'joining', 'leaving', 'left', 'dead'];
/** The state colours; style.css has the same ones as --alive, --suspect, ... */
const STATE_COLOURS = {
  alive: '#2e9d4f', suspect: '#e0a100', joining: '#3b82f6', leaving: '#9b59b6', left: '#8a8f98', dead: '#d64541',
};
const UNKNOWN_COLOUR = '#c3c9d1';
/** Rows shown in the assignments table; the rest are counted. */
const AGENTS_MAX = 500;
/** Beyond this many nodes the ring has no names under the nodes (they would overlap); hovering shows them. */
const LABELLED_MAX = 24;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);

/** Members sorted by name, node-2 before node-10. */
function byName(nodes) {
  return (nodes || []).slice().sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) {
    e.className = cls;
  }
  if (text !== null && text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, String(v)));
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

export function colour(state) {
  return STATE_COLOURS[state] || UNKNOWN_COLOUR;
}

export function renderSummary(view) {
  const dl = $('summary');
  const i = view.info;
  const rows = [];
  if (i) {
    rows.push(['This node', i.name + ' (' + i.state + ', ' + i.role + ')']);
    rows.push(['Leader', i.leader ? i.leader + ' (term ' + i.term + ')' : 'no leader yet']);
    rows.push(['Members', i.members + ' known: ' + i.alive + ' alive, ' + i.suspect + ' suspect, '
      + i.dead + ' dead, ' + i.left + ' left']);
    rows.push(['Expected size', i.cluster_size > 0 ? i.alive + ' of ' + i.cluster_size + ' alive'
      + (i.formed ? '' : ', short of it') : 'not set']);
    rows.push(['Control plane', i.healthy ? 'healthy' : 'no quorum or none']);
    $('self').textContent = 'served by ' + i.name + ' \u00b7 ' + location.host;
  } else {
    rows.push(['This node', 'not read yet']);
  }
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', null, k), el('dd', null, v)]));
}

export function renderTopology(view) {
  const root = $('topology');
  const nodes = byName(view.nodes);
  const W = 460;
  const H = 400;
  const cx = W / 2;
  const cy = H / 2 + 6;
  const R = nodes.length <= 1 ? 0 : Math.min(150, 40 + nodes.length * 18);
  const r = Math.max(7, Math.min(24, nodes.length ? (Math.PI * R) / nodes.length * 0.55 : 24)) || 24;
  const labelled = nodes.length <= LABELLED_MAX;
  const parts = [svg('circle', { class: 'ring', cx, cy, r: Math.max(R, 1) })];
  const self = view.info ? view.info.name : null;
  const leader = view.info ? view.info.leader : null;
  nodes.forEach((n, k) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * k) / nodes.length;
    const x = cx + R * Math.cos(angle);
    const y = cy + R * Math.sin(angle);
    const isLeader = !n.reaped && (n.role === 'leader' || n.name === leader);
    const g = svg('g', { class: 'node', transform: 'translate(' + x.toFixed(1) + ' ' + y.toFixed(1) + ')' });
    g.dataset.name = n.name;
    g.dataset.state = n.state;
    g.dataset.status = n.status;
    g.dataset.role = n.role;
    g.dataset.leader = String(isLeader);
    g.dataset.reaped = String(!!n.reaped);
    g.append(svg('title', {}, n.name + ': ' + n.state + ', ' + n.role + ', ' + n.status
      + (n.address ? ' \u2014 ' + n.address + ':' + n.gossip_port : '')));
    if (isLeader) {
      g.append(svg('circle', { class: 'halo', r: r + 5 }));
      g.append(svg('path', { class: 'crown', d: crown(r + 8) }));
    }
    if (n.name === self) {
      g.append(svg('circle', { class: 'here', r: r + (isLeader ? 10 : 5) }));
    }
    g.append(svg('circle', { class: 'under', r })); // so the ring does not show through a pale node
    g.append(svg('circle', { class: 'body', r, fill: colour(n.state) }));
    if (n.state === 'dead' || n.state === 'left') {
      const k = (r * 0.45).toFixed(1); // a white cross: gone, whatever the colour shows
      g.append(svg('path', { class: 'cross', d: `M-${k} -${k} L${k} ${k} M${k} -${k} L-${k} ${k}` }));
    }
    if (labelled) {
      const below = Math.sin(angle) > -0.2; // top nodes have their label above, the rest below
      const y0 = below ? r + 16 : -(r + (isLeader ? 24 : 10)) - 14;
      g.append(svg('text', { y: y0 }, n.name));
      const flags = [];
      if (isLeader) {
        flags.push('leader');
      }
      if (n.status && n.status !== 'online') {
        flags.push(n.status);
      }
      if (n.state !== 'alive') {
        flags.push(n.reaped ? 'dead, reaped' : n.state);
      }
      if (flags.length) {
        g.append(svg('text', { class: 'sub flag', y: y0 + 13 }, flags.join(' \u00b7 ')));
      }
    }
    parts.push(g);
  });
  if (nodes.length === 0) {
    parts.push(svg('text', { class: 'center', x: cx, y: cy }, view.nodes ? 'no members known' : 'loading\u2026'));
  } else {
    const alive = nodes.filter((n) => n.state === 'alive').length;
    parts.push(svg('text', { class: 'center', x: cx, y: cy - 4 }, nodes.length + (nodes.length === 1 ? ' node' : ' nodes')));
    parts.push(svg('text', { class: 'center-sub', x: cx, y: cy + 14 }, alive + ' alive \u00b7 '
      + (leader ? 'leader ' + leader : 'no leader')));
  }
  root.replaceChildren(...parts);
}

/** A small crown above a node, `top` above its centre. */
function crown(top) {
  const w = 9;
  const y = -top;
  return 'M' + -w + ' ' + y + ' L' + -w + ' ' + (y - 9) + ' L' + -w / 2 + ' ' + (y - 4) + ' L0 ' + (y - 11)
    + ' L' + w / 2 + ' ' + (y - 4) + ' L' + w + ' ' + (y - 9) + ' L' + w + ' ' + y + ' Z';
}

export function renderLegend() {
  const items = STATES.map((s) => legendItem(svg('circle', { cx: 8, cy: 8, r: 6, fill: colour(s), stroke: '#1f2933' }), s));
  items.push(legendItem(svg('circle', { cx: 8, cy: 8, r: 6, fill: '#fff', stroke: '#1f2933', 'stroke-width': 2,
    'stroke-dasharray': '4 2' }), 'draining'));
  items.push(legendItem(svg('circle', { cx: 8, cy: 8, r: 6, fill: colour('alive'), 'fill-opacity': 0.45,
    stroke: '#1f2933', 'stroke-width': 2.5, 'stroke-dasharray': '0.1 3.5', 'stroke-linecap': 'round' }), 'standby'));
  items.push(legendItem(svg('circle', { cx: 8, cy: 8, r: 5, fill: 'none', stroke: '#b7791f', 'stroke-width': 2.5 }),
    'leader'));
  items.push(legendItem(svg('circle', { cx: 8, cy: 8, r: 6, fill: 'none', stroke: '#1f2933', 'stroke-dasharray': '2 2' }),
    'this node'));
  $('legend').replaceChildren(...items);
}

function legendItem(shape, label) {
  const li = el('li', null, null);
  const box = svg('svg', { viewBox: '0 0 16 16' });
  box.append(shape);
  li.append(box, label);
  li.dataset.legend = label;
  return li;
}

export function renderHealth(view) {
  const body = $('health').tBodies[0];
  const nodes = byName(view.nodes);
  if (nodes.length === 0) {
    body.replaceChildren(emptyRow(7, view.nodes ? 'no members known' : 'loading\u2026'));
    return;
  }
  body.replaceChildren(...nodes.map((n) => {
    const h = n.health || {};
    const tr = el('tr', n.state === 'dead' || n.state === 'left' ? 'gone' : null, null);
    tr.dataset.name = n.name;
    const state = el('span', 'state', null);
    const dot = el('span', 'dot', null);
    dot.style.background = colour(n.state);
    state.append(dot, n.reaped ? 'dead (reaped)' : n.state);
    const cells = [el('td', null, n.name), td(state), el('td', null, n.role), el('td', null, n.status),
      td(meter(h.cpu, 1, pct)), td(meter(h.memory, 1, pct)), td(agentsMeter(h.agents, h.max_agents))];
    tr.append(...cells);
    return tr;
  }));
}

function td(child) {
  const c = el('td', null, null);
  c.append(child);
  return c;
}

function pct(v) {
  return Math.round(v * 100) + '%';
}

/** A bar of value/max with its text; "n/a" and an empty bar for a figure the node did not publish. */
function meter(value, max, format) {
  const known = typeof value === 'number' && isFinite(value);
  const m = el('div', known ? 'meter' : 'meter na', null);
  const bar = el('div', 'bar', null);
  const fill = el('div', 'fill', null);
  const ratio = known && max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
  fill.style.width = (ratio * 100).toFixed(1) + '%';
  if (ratio >= 0.9) {
    fill.classList.add('hot');
  } else if (ratio >= 0.7) {
    fill.classList.add('warm');
  }
  bar.append(fill);
  m.append(bar, el('span', 'value', known ? format(value) : 'n/a'));
  return m;
}

function agentsMeter(agents, max) {
  const hasMax = typeof max === 'number' && max > 0;
  return meter(agents, hasMax ? max : 0, (v) => v + ' / ' + (typeof max === 'number' ? max : 'n/a'));
}

function emptyRow(span, text) {
  const tr = el('tr', 'empty', null);
  const c = el('td', null, text);
  c.colSpan = span;
  tr.append(c);
  return tr;
}

export function renderAgents(view) {
  const body = $('agents').tBodies[0];
  const err = view.errors.agents;
  if (err && err.status !== 401 && err.status !== 0) {
    body.replaceChildren(emptyRow(5, err.error + ': ' + err.detail));
    return;
  }
  const agents = (view.agents || []).slice().sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  if (agents.length === 0) {
    body.replaceChildren(emptyRow(5, view.agents ? 'no agents' : 'loading\u2026'));
    return;
  }
  const rows = agents.slice(0, AGENTS_MAX).map((a) => {
    const tr = el('tr', null, null);
    tr.dataset.id = a.id;
    const note = a.migrate_to ? 'moving to ' + a.migrate_to : (a.message || '');
    tr.append(el('td', null, a.id), el('td', null, a.type || ''), el('td', null, a.node || 'unplaced'),
      el('td', null, a.phase), el('td', 'note', note));
    return tr;
  });
  if (agents.length > AGENTS_MAX) {
    rows.push(emptyRow(5, '\u2026 and ' + (agents.length - AGENTS_MAX) + ' more (GET /api/cluster/agents lists all)'));
  }
  body.replaceChildren(...rows);
}
