// The cluster dashboard. Polls /api/admin/cluster once a second and keeps the last five minutes of
// samples here, in the page: the node stays stateless. Everything that came from the network goes
// into the DOM as text (textContent, attribute values), never as markup. Standard DOM and SVG only,
// so that current Chromium and Firefox run it alike.
'use strict';

(function () {
  const POLL_MS = 1000;
  const WINDOW_MS = 5 * 60 * 1000;
  const MAX_SAMPLES = 300;
  const GAP_MS = 3500; // samples further apart than this are not joined by a line
  const FETCH_TIMEOUT_MS = 5000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CLUSTER = '\u0000cluster'; // a series key no member address can be
  const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#bc4c00', '#8250df', '#1b7c83', '#bf3989', '#6e7781', '#9a6700', '#0550ae'];
  const COUNTERS = ['gets', 'loads', 'peerLoads', 'peerErrors', 'mainGets', 'mainHits', 'hotGets', 'hotHits', 'evictions'];
  const METRICS = [
    { id: 'gets', title: 'Gets/s', kind: 'rate' },
    { id: 'mainHit', title: 'Hit ratio, main cache', kind: 'pct' },
    { id: 'hotHit', title: 'Hit ratio, hot cache', kind: 'pct' },
    { id: 'loads', title: 'Source loads/s', kind: 'rate' },
    { id: 'peerLoads', title: 'Peer loads/s', kind: 'rate' },
    { id: 'peerErrors', title: 'Peer errors/s', kind: 'rate' },
    { id: 'evictions', title: 'Evictions/s', kind: 'rate' },
    { id: 'bytes', title: 'Cache bytes, % of budget', kind: 'pct' },
  ];

  const history = new Map(); // series key (groupcache address or CLUSTER) -> [{ t, v }]
  const previous = new Map(); // groupcache address -> the counters of its last sample
  const latestRate = new Map(); // groupcache address -> the values of its last sample
  const colors = new Map(); // groupcache address -> colour, kept for the page's life
  const charts = new Map(); // metric id -> { svg, now, max }
  let polls = 0;

  // ---- small DOM helpers: text only ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) {
      node.setAttribute(name, String(value));
    }
    return node;
  }

  function cell(field, text, className) {
    const td = el('td', className, text);
    td.dataset.field = field;
    return td;
  }

  // ---- formatting ----

  function formatRate(x) {
    if (x === null || x === undefined || !Number.isFinite(x)) {
      return '–';
    }
    return x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US');
  }

  function formatPct(x, digits) {
    return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits) + ' %';
  }

  function formatBytes(n) {
    if (!Number.isFinite(n)) {
      return '–';
    }
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
  }

  function formatDuration(seconds) {
    if (!Number.isFinite(seconds)) {
      return '–';
    }
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) {
      return d + ' d ' + h + ' h';
    }
    if (h > 0) {
      return h + ' h ' + String(m).padStart(2, '0') + ' m';
    }
    if (m > 0) {
      return m + ' m ' + String(s % 60).padStart(2, '0') + ' s';
    }
    return s + ' s';
  }

  function formatTime(iso) {
    if (!iso) {
      return '–';
    }
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '–' : date.toLocaleTimeString();
  }

  function ratio(hits, gets) {
    return gets > 0 ? (100 * hits) / gets : null;
  }

  // ---- samples ----

  // A member of another version might answer with a different shape: such a status is shown as
  // missing rather than breaking the page.
  function usable(status) {
    const g = status && status.group;
    return Boolean(g && g.stats && g.mainCache && g.hotCache && status.source && status.ring && status.freshness);
  }

  function countersOf(status) {
    const g = status.group;
    const s = g.stats;
    const main = g.mainCache;
    const hot = g.hotCache;
    return {
      up: status.uptimeSeconds,
      gets: s.gets,
      // Every load this member made from the source: groupcache counts a value in localLoads, and a
      // not-found answer or a source error in localLoadErrs. Both cost the source a request.
      loads: s.localLoads + s.localLoadErrs,
      peerLoads: s.peerLoads,
      peerErrors: s.peerErrors,
      mainGets: main.gets,
      mainHits: main.hits,
      hotGets: hot.gets,
      hotHits: hot.hits,
      evictions: main.evictions + hot.evictions,
      bytes: main.bytes + hot.bytes,
      budget: g.cacheBytes,
    };
  }

  // The change since the member's last sample, over the member's own clock (its uptime), so that
  // a slow answer does not look like a burst. Null when there is no earlier sample or it restarted.
  function deltaOf(prev, cur) {
    if (!prev || !(cur.up > prev.up)) {
      return null;
    }
    const d = { dt: cur.up - prev.up };
    for (const name of COUNTERS) {
      const change = cur[name] - prev[name];
      if (!(change >= 0)) {
        return null;
      }
      d[name] = change;
    }
    return d;
  }

  function valuesOf(d, cur) {
    return {
      gets: d.gets / d.dt,
      mainHit: ratio(d.mainHits, d.mainGets),
      hotHit: ratio(d.hotHits, d.hotGets),
      loads: d.loads / d.dt,
      peerLoads: d.peerLoads / d.dt,
      peerErrors: d.peerErrors / d.dt,
      evictions: d.evictions / d.dt,
      bytes: cur.budget > 0 ? (100 * cur.bytes) / cur.budget : null,
    };
  }

  function push(key, t, v) {
    let list = history.get(key);
    if (!list) {
      list = [];
      history.set(key, list);
    }
    list.push({ t, v });
    while (list.length > MAX_SAMPLES || (list.length > 0 && list[0].t < t - WINDOW_MS)) {
      list.shift();
    }
  }

  // What the page keeps of a member goes once the member is no longer listed: its samples would
  // otherwise stay in memory, and a member listed again would start from a stale sample.
  function forgetUnlisted(members) {
    const listed = new Set(members.map((m) => m.groupcacheAddr));
    for (const kept of [history, previous, latestRate]) {
      for (const key of [...kept.keys()]) {
        if (key !== CLUSTER && !listed.has(key)) {
          kept.delete(key);
        }
      }
    }
  }

  function record(cluster, t) {
    forgetUnlisted(cluster.members);
    const sum = { dt: 0, bytes: 0, budget: 0, members: 0 };
    for (const name of COUNTERS) {
      sum[name] = 0;
    }
    let rates = 0;
    for (const m of cluster.members) {
      if (!m.reachable || !m.status) {
        continue;
      }
      const cur = countersOf(m.status);
      sum.bytes += cur.bytes;
      sum.budget += cur.budget;
      const prev = previous.get(m.groupcacheAddr);
      if (prev && cur.up === prev.up) {
        continue; // the same answer again (shared by another tab's poll): nothing new to plot
      }
      previous.set(m.groupcacheAddr, cur);
      const d = deltaOf(prev, cur);
      if (!d) {
        continue;
      }
      const v = valuesOf(d, cur);
      latestRate.set(m.groupcacheAddr, v);
      push(m.groupcacheAddr, t, v);
      rates++;
      for (const name of COUNTERS) {
        sum[name] += d[name] / d.dt; // per second, so members sampled over different spans add up
      }
    }
    if (rates > 0) {
      push(CLUSTER, t, {
        gets: sum.gets,
        mainHit: ratio(sum.mainHits, sum.mainGets),
        hotHit: ratio(sum.hotHits, sum.hotGets),
        loads: sum.loads,
        peerLoads: sum.peerLoads,
        peerErrors: sum.peerErrors,
        evictions: sum.evictions,
        bytes: sum.budget > 0 ? (100 * sum.bytes) / sum.budget : null,
      });
    }
  }

  // ---- charts ----

  function colorFor(addr) {
    if (!colors.has(addr)) {
      colors.set(addr, COLORS[colors.size % COLORS.length]);
    }
    return colors.get(addr);
  }

  function niceCeiling(x) {
    if (!(x > 0)) {
      return 1;
    }
    const power = Math.pow(10, Math.floor(Math.log10(x)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * power >= x) {
        return step * power;
      }
    }
    return 10 * power;
  }

  function buildCharts() {
    const container = document.getElementById('charts');
    for (const metric of METRICS) {
      const box = el('figure', 'chart');
      box.dataset.metric = metric.id;
      const title = el('h3', null);
      title.append(el('span', null, metric.title));
      const now = el('span', 'now', '–');
      title.append(now);
      const svg = svgEl('svg', { viewBox: '0 0 300 100', preserveAspectRatio: 'none', role: 'img', 'aria-label': metric.title });
      const axis = el('div', 'axis');
      const max = el('span', null, '');
      axis.append(el('span', null, '−5 min'), max, el('span', null, 'now'));
      box.append(title, svg, axis);
      container.append(box);
      charts.set(metric.id, { svg, now, max });
    }
  }

  // A path through the samples that fall in the window; a missing value or a long silence breaks it.
  function pathOf(list, metricId, tNow, yMax) {
    let d = '';
    let lastT = null;
    for (const { t, v } of list) {
      const value = v[metricId];
      if (t < tNow - WINDOW_MS || value === null || value === undefined || !Number.isFinite(value)) {
        lastT = null;
        continue;
      }
      const x = 300 - ((tNow - t) / WINDOW_MS) * 300;
      const y = 100 - (Math.min(value, yMax) / yMax) * 100;
      d += (lastT === null || t - lastT > GAP_MS ? 'M' : 'L') + x.toFixed(2) + ' ' + y.toFixed(2) + ' ';
      lastT = t;
    }
    return d.trim();
  }

  // The largest value the chart draws: the listed members' and the cluster's samples in the window.
  // A member that stopped answering keeps its last samples, which slide out of the window; counted
  // after that, its old spike would flatten every line still drawn.
  function topOf(metricId, members, tNow) {
    let top = 0;
    for (const key of members.map((m) => m.groupcacheAddr).concat(CLUSTER)) {
      for (const { t, v } of history.get(key) || []) {
        const value = v[metricId];
        if (t >= tNow - WINDOW_MS && Number.isFinite(value) && value > top) {
          top = value;
        }
      }
    }
    return top;
  }

  function drawCharts(members, tNow) {
    for (const metric of METRICS) {
      const chart = charts.get(metric.id);
      const top = topOf(metric.id, members, tNow);
      const yMax = metric.kind === 'pct' ? Math.max(100, niceCeiling(top)) : niceCeiling(top);
      const nodes = [];
      for (const y of [25, 50, 75]) {
        nodes.push(svgEl('line', { class: 'grid', x1: 0, x2: 300, y1: y, y2: y }));
      }
      for (const m of members) {
        const d = pathOf(history.get(m.groupcacheAddr) || [], metric.id, tNow, yMax);
        if (d) {
          const path = svgEl('path', { d, stroke: colorFor(m.groupcacheAddr) });
          path.dataset.series = m.groupcacheAddr;
          nodes.push(path);
        }
      }
      const clusterPath = pathOf(history.get(CLUSTER) || [], metric.id, tNow, yMax);
      if (clusterPath) {
        nodes.push(svgEl('path', { d: clusterPath, class: 'cluster', 'data-series': 'cluster' }));
      }
      chart.svg.replaceChildren(...nodes);
      chart.max.textContent = 'max ' + (metric.kind === 'pct' ? yMax + ' %' : formatRate(yMax));
      const clusterList = history.get(CLUSTER);
      const last = clusterList && clusterList.length > 0 ? clusterList[clusterList.length - 1].v[metric.id] : null;
      chart.now.textContent = 'cluster ' + (metric.kind === 'pct' ? formatPct(last, 1) : formatRate(last));
    }
  }

  function drawLegend(members) {
    const items = members.map((m) => {
      const li = el('li', null);
      const swatch = el('span', 'swatch');
      swatch.style.background = colorFor(m.groupcacheAddr);
      li.append(swatch, el('span', 'addr', m.apiAddr || m.groupcacheAddr));
      return li;
    });
    const cluster = el('li', null);
    const swatch = el('span', 'swatch');
    swatch.style.background = 'repeating-linear-gradient(90deg, #1b1f24 0 4px, transparent 4px 6px)';
    cluster.append(swatch, el('span', null, 'cluster (sum; ratios over all gets)'));
    items.push(cluster);
    document.getElementById('legend').replaceChildren(...items);
  }

  // ---- tables ----

  function isAlive(m) {
    // alive (gossip), or a member its peer source lists: static, dns, kubernetes; ring: on the ring only.
    return m.reachable && ['alive', 'static', 'dns', 'kubernetes', 'ring'].includes(m.state);
  }

  function memberRow(m) {
    const tr = el('tr', isAlive(m) ? null : 'down');
    tr.dataset.gc = m.groupcacheAddr;
    tr.dataset.alive = String(isAlive(m));
    const name = cell('name', null, 'addr');
    const swatch = el('span', 'swatch');
    swatch.style.background = colorFor(m.groupcacheAddr);
    name.append(swatch, document.createTextNode(m.apiAddr || m.groupcacheAddr));
    if (m.isSelf) {
      name.append(el('span', 'tag', 'this node'));
    }
    name.append(el('span', 'sub', (m.status ? m.status.node + ' · ' : '') + 'groupcache ' + m.groupcacheAddr));
    tr.append(name);
    tr.append(cell('state', m.state, 'state-' + m.state));
    const reach = m.reachable
      ? cell('reach', m.isSelf ? 'ok' : 'ok ' + Math.round(m.fetchMilliseconds) + ' ms', 'reach-ok')
      : cell('reach', 'unreachable', 'reach-unreachable');
    if (m.error) {
      reach.title = m.error;
      reach.append(el('span', 'sub', m.error));
    }
    tr.append(reach);
    const s = m.status;
    tr.append(cell('uptime', s ? formatDuration(s.uptimeSeconds) : '–'));
    tr.append(cell('version', s ? s.version : '–'));
    tr.append(cell('inRing', m.inRing ? 'yes' : 'no'));
    tr.append(cell('share', formatPct(100 * m.ringShare, 2), 'num'));
    const rate = latestRate.get(m.groupcacheAddr);
    tr.append(cell('getsPerSecond', s && rate ? formatRate(rate.gets) : '–', 'num'));
    const c = s ? countersOf(s) : null;
    tr.append(cell('mainHitRatio', c ? formatPct(ratio(c.mainHits, c.mainGets), 1) : '–', 'num'));
    tr.append(cell('hotHitRatio', c ? formatPct(ratio(c.hotHits, c.hotGets), 1) : '–', 'num'));
    tr.append(cell('bytes', c ? formatBytes(c.bytes) + ' / ' + formatBytes(c.budget) : '–', 'num'));
    return tr;
  }

  function clusterRow(members) {
    const tr = el('tr', null);
    tr.dataset.gc = 'cluster';
    let share = 0;
    let gets = 0;
    let bytes = 0;
    let budget = 0;
    let mainHits = 0;
    let mainGets = 0;
    let hotHits = 0;
    let hotGets = 0;
    let up = 0;
    for (const m of members) {
      share += m.ringShare;
      if (isAlive(m)) {
        up++;
      }
      if (!m.status) {
        continue;
      }
      const c = countersOf(m.status);
      const rate = latestRate.get(m.groupcacheAddr);
      gets += rate ? rate.gets : 0;
      bytes += c.bytes;
      budget += c.budget;
      mainHits += c.mainHits;
      mainGets += c.mainGets;
      hotHits += c.hotHits;
      hotGets += c.hotGets;
    }
    tr.append(cell('name', 'Cluster: ' + members.length + ' members'));
    tr.append(cell('state', up + ' up'));
    tr.append(cell('reach', ''), cell('uptime', ''), cell('version', ''), cell('inRing', ''));
    tr.append(cell('share', formatPct(100 * share, 2), 'num'));
    tr.append(cell('getsPerSecond', formatRate(gets), 'num'));
    tr.append(cell('mainHitRatio', formatPct(ratio(mainHits, mainGets), 1), 'num'));
    tr.append(cell('hotHitRatio', formatPct(ratio(hotHits, hotGets), 1), 'num'));
    tr.append(cell('bytes', formatBytes(bytes) + ' / ' + formatBytes(budget), 'num'));
    return tr;
  }

  function healthRow(m) {
    const tr = el('tr', null);
    tr.dataset.gc = m.groupcacheAddr;
    tr.append(cell('name', m.apiAddr || m.groupcacheAddr, 'addr'));
    const s = m.status;
    if (!s) {
      const td = cell('source', 'no status: ' + (m.error || 'unreachable'), 'bad');
      td.colSpan = 8;
      tr.append(td);
      return tr;
    }
    const healthy = s.source.healthy;
    const source = cell('source', healthy === true ? 'healthy' : healthy === false ? 'unhealthy' : 'not checked yet', healthy === false ? 'bad' : healthy ? 'ok' : null);
    if (s.source.error) {
      source.append(el('span', 'sub', s.source.error));
    }
    tr.append(source);
    tr.append(cell('checked', formatTime(s.source.checkedAt)));
    tr.append(cell('discovery', s.ring.discovery + ', ring of ' + s.ring.size));
    const f = s.freshness;
    tr.append(cell('ttl', f.ttlSeconds > 0 ? formatDuration(f.ttlSeconds) : 'none'));
    tr.append(cell('expirations', f.expirations.toLocaleString('en-US'), 'num'));
    tr.append(cell('writes', f.writes.toLocaleString('en-US'), 'num'));
    tr.append(cell('invalidations', [f.invalidationsRequested, f.invalidationsSent, f.invalidationsFailed, f.invalidationsReceived].join(' / '), 'num'));
    tr.append(cell('rejoin', f.rejoinFlushes + ' (' + f.rejoinFlushedEntries + ' entries)', 'num'));
    return tr;
  }

  function render(cluster, tNow) {
    const members = cluster.members;
    document.querySelector('#members tbody').replaceChildren(...members.map(memberRow));
    document.querySelector('#members tfoot').replaceChildren(clusterRow(members));
    document.querySelector('#health tbody').replaceChildren(...members.map(healthRow));
    drawLegend(members);
    drawCharts(members, tNow);

    const self = members.find((m) => m.isSelf);
    document.getElementById('summary').textContent =
      'Served by ' + cluster.node + ' (' + cluster.self + ') · discovery ' + cluster.discovery +
      ' · ring of ' + cluster.ring.length + ' × ' + cluster.replicas + ' points · updated ' + formatTime(cluster.generatedAt) +
      (self && self.status ? ' · version ' + self.status.version : '');
    const ds = cluster.discoveryStatus;
    document.getElementById('discovery').textContent = ds
      ? 'Discovery ' + ds.mode + ': last refresh ' + formatTime(ds.lastRefresh) + ', ' + ds.refreshes + ' refreshes, ' +
        ds.failures + ' failures' + (ds.lastError ? ', last error at ' + formatTime(ds.lastErrorAt) + ': ' + ds.lastError : '')
      : 'Discovery ' + cluster.discovery + ' (membership as the member table and ring above show it).';
  }

  // ---- polling ----

  async function poll() {
    const started = Date.now();
    const connection = document.getElementById('connection');
    try {
      const response = await fetch('/api/admin/cluster', { cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      const cluster = await response.json();
      for (const m of cluster.members) {
        if (m.status && !usable(m.status)) {
          m.status = null;
          m.reachable = false;
          m.error = 'answered with a status this page cannot read';
        }
      }
      const t = Date.now();
      record(cluster, t);
      render(cluster, t);
      polls++;
      document.body.dataset.polls = String(polls);
      connection.textContent = '';
      connection.className = 'connection';
    } catch (err) {
      connection.textContent = 'Cannot reach this node: ' + (err && err.message ? err.message : String(err)) + '. Retrying…';
      connection.className = 'connection bad';
    } finally {
      setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
    }
  }

  // ---- key lookup ----

  // encodeURIComponent leaves '.' alone, and a browser folds "/api/data/.." into "/api/": encode dots too.
  function encodeKey(key) {
    return encodeURIComponent(key).replace(/\./g, '%2E');
  }

  async function getJson(url) {
    try {
      const response = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      return { status: response.status, body };
    } catch (err) {
      return { status: 0, body: { error: err && err.message ? err.message : String(err) } };
    }
  }

  async function lookUp(event) {
    event.preventDefault();
    const key = document.getElementById('key').value;
    const result = document.getElementById('key-result');
    if (key.length === 0) {
      return;
    }
    result.replaceChildren(el('dt', null, 'Key'), el('dd', null, key), el('dt', null, 'Status'), el('dd', null, 'asking…'));
    const encoded = encodeKey(key);
    const started = performance.now();
    const [owner, data] = await Promise.all([getJson('/api/admin/owner?key=' + encoded), getJson('/api/data/' + encoded)]);
    const ms = Math.round(performance.now() - started);
    const rows = [['Key', key, 'key']];
    if (owner.status === 200 && owner.body) {
      rows.push(['Owner', (owner.body.ownerApiAddr || owner.body.owner || 'none (empty ring)') + (owner.body.isSelf ? ' (this node)' : ''), 'owner']);
      rows.push(['Owner (groupcache)', owner.body.owner || '–', 'ownerGroupcache']);
    } else {
      rows.push(['Owner', (owner.body && owner.body.error) || 'HTTP ' + owner.status, 'owner']);
    }
    rows.push(['Through this node', data.status === 0 ? 'no answer' : 'HTTP ' + data.status + ' in ' + ms + ' ms', 'status']);
    if (data.status === 200 && data.body) {
      rows.push(['Value', data.body.value, 'value']);
    } else {
      rows.push(['Error', (data.body && data.body.error) || 'no body', 'error']);
    }
    const nodes = [];
    for (const [term, value, field] of rows) {
      const dd = el('dd', null, value);
      dd.dataset.field = field;
      nodes.push(el('dt', null, term), dd);
    }
    result.replaceChildren(...nodes);
  }

  function start() {
    buildCharts();
    document.getElementById('key-form').addEventListener('submit', lookUp);
    poll();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
