// Surge console: polls GET /stats and GET /load once a second and draws them. No build step, no other origin.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const STATUSES = ['200', '202', '400', '401', '429', '503', '504', 'other'];
  const SHARE_WINDOW = 60;
  const WINDOW_SECONDS = 300; // what /stats keeps
  let apiKey = null; // kept in this page only: never stored, never put in a URL
  let eventsPlot = null;
  let latencyPlot = null;
  let eventsRole = null;

  class Unauthorized extends Error {}

  async function get(path) {
    const headers = { Accept: 'application/json' };
    if (apiKey) {
      headers.Authorization = 'Bearer ' + apiKey;
    }
    const response = await fetch(path, { headers, cache: 'no-store' });
    if (response.status === 401) {
      throw new Unauthorized(path);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error(body && body.detail ? `${path}: ${body.detail}` : `${path} answered ${response.status}`);
    }
    return body;
  }

  const number = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));
  const ms = (n) => (n === null || n === undefined ? '–' : (n < 10 ? n.toFixed(1) : Math.round(n)));

  function setFigure(id, value) {
    const element = $(id);
    element.textContent = number(value);
    element.dataset.value = value === null || value === undefined ? '' : String(value);
  }

  function showProblem(text) {
    const problem = $('problem');
    problem.hidden = !text;
    problem.textContent = text || '';
  }

  function renderSelf(self) {
    const badge = $('self');
    badge.textContent = `${self.role} ${self.instance} · ${self.ready ? 'ready' : 'not ready: ' + self.detail}`;
    badge.className = 'badge ' + (self.ready ? 'ready' : 'not-ready');
    $('breaker').textContent = self.breaker || 'n/a';
    for (const element of document.querySelectorAll('.ingest-only')) {
      element.hidden = self.role !== 'ingest-api';
    }
  }

  function renderLoad(load) {
    setFigure('total', load.total);
    setFigure('keys', load.keys);
    setFigure('rate', load.recent ? load.recent['1s'] : null);
    $('rate-10s').textContent = load.recent ? number(Math.round(load.recent['10s'] / 10)) : '–';
    const body = $('top').tBodies[0];
    body.replaceChildren(...(load.top || []).map((entry) => {
      const row = document.createElement('tr');
      row.dataset.key = entry.key;
      row.dataset.load = String(entry.load);
      const key = document.createElement('td');
      key.textContent = entry.key;
      const count = document.createElement('td');
      count.className = 'num';
      count.textContent = number(entry.load);
      row.append(key, count);
      return row;
    }));
  }

  function plotOptions(title, series, height) {
    const muted = css('--muted');
    const line = css('--line');
    const chart = $(title);
    return {
      width: Math.max(280, chart.clientWidth - 16),
      height,
      // always the last five minutes, so that a few seconds of data do not stretch into sub-second ticks
      scales: { x: { time: true, range: (plot, min, max) => [max - WINDOW_SECONDS, max] } },
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [{}, ...series],
      axes: [
        { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line }, space: 64, incrs: X_STEPS,
          values: clockLabels },
        { stroke: muted, grid: { stroke: line, width: 1 }, ticks: { stroke: line }, size: 60 },
      ],
    };
  }

  // Seconds between the x axis's ticks uPlot may choose from: its own lack 2 min, so a phone's chart (about 300 px
  // for the five minutes) got a single tick at 5 min.
  const X_STEPS = [1, 5, 10, 15, 30, 60, 120, 300];

  // The x axis's labels: one line each, the time of day, HH:MM, or HH:MM:SS when ticks are less than a minute apart.
  // uPlot's own put the date and time under the first tick, a label wider than the space to the next one, so the
  // labels overlapped at the left.
  function clockLabels(plot, splits, axisIndex, space, increment) {
    const two = (n) => String(n).padStart(2, '0');
    return splits.map((t) => {
      const at = new Date(t * 1000);
      const minutes = `${two(at.getHours())}:${two(at.getMinutes())}`;
      return increment < 60 ? `${minutes}:${two(at.getSeconds())}` : minutes;
    });
  }

  function line(label, color, fill) {
    return { label, stroke: color, width: 2, fill: fill ? color + '26' : undefined, points: { show: false } };
  }

  function renderCharts(stats) {
    const seconds = stats.seconds || [];
    if (seconds.length === 0) {
      return;
    }
    const ingest = stats.self.role === 'ingest-api';
    const x = seconds.map((s) => s.t);
    const counted = seconds.map((s) => s.events);
    let data;
    let series;
    if (ingest) {
      const answered = (status) => seconds.map((s) => (s.answers && s.answers[status]) || 0);
      series = [line('counted', css('--s200'), true), line('202 accepted', css('--s202')),
        line('429 rate limited', css('--s429')), line('503 unavailable', css('--s503'))];
      data = [x, counted, answered('202'), answered('429'), answered('503')];
      $('chart-scope').textContent = '(answered by this instance)';
    } else {
      series = [line('counted', css('--s200'), true)];
      data = [x, counted];
      $('chart-scope').textContent = '(counted by this instance)';
    }
    if (!eventsPlot || eventsRole !== stats.self.role) {
      if (eventsPlot) {
        eventsPlot.destroy();
      }
      eventsPlot = new uPlot(plotOptions('events-chart', series, 240), data, $('events-chart'));
      eventsRole = stats.self.role;
    } else {
      eventsPlot.setData(data);
    }
    $('latency-section').hidden = !ingest;
    $('shares-section').hidden = !ingest;
    if (ingest) {
      const latencyData = [x, seconds.map((s) => s.ackP50Ms), seconds.map((s) => s.ackP99Ms)];
      if (!latencyPlot) {
        latencyPlot = new uPlot(plotOptions('latency-chart',
          [line('p50', css('--s202')), line('p99', css('--s429'))], 180), latencyData, $('latency-chart'));
      } else {
        latencyPlot.setData(latencyData);
      }
      const last = [...seconds].reverse().find((s) => s.ackP50Ms !== null && s.ackP50Ms !== undefined);
      $('latency').textContent = last ? `${ms(last.ackP50Ms)} / ${ms(last.ackP99Ms)} ms` : '–';
      renderShares(seconds.slice(-SHARE_WINDOW));
    } else {
      $('latency').textContent = 'n/a';
    }
  }

  function renderShares(seconds) {
    const totals = {};
    let all = 0;
    for (const second of seconds) {
      for (const [status, events] of Object.entries(second.answers || {})) {
        const key = STATUSES.includes(status) ? status : 'other';
        totals[key] = (totals[key] || 0) + events;
        all += events;
      }
    }
    const bar = $('shares');
    const parts = STATUSES.filter((status) => totals[status]);
    bar.replaceChildren(...parts.map((status) => {
      const part = document.createElement('span');
      part.style.width = (100 * totals[status] / all) + '%';
      part.style.background = css('--s' + status);
      part.title = `${status}: ${number(totals[status])}`;
      return part;
    }));
    let legend = bar.nextElementSibling;
    if (!legend || !legend.classList.contains('legend')) {
      legend = document.createElement('div');
      legend.className = 'legend';
      bar.after(legend);
    }
    legend.replaceChildren(...(all === 0 ? [document.createTextNode('no answers in the last 60 s')]
      : parts.map((status) => {
        const item = document.createElement('span');
        item.dataset.status = status;
        const swatch = document.createElement('i');
        swatch.style.background = css('--s' + status);
        item.append(swatch, `${status}: ${(100 * totals[status] / all).toFixed(1)} % (${number(totals[status])})`);
        return item;
      })));
  }

  function renderInstances(instances) {
    const body = $('instances').tBodies[0];
    const list = (partitions) => (partitions && partitions.length ? partitions.join(', ') : '–');
    body.replaceChildren(...instances.map((instance) => {
      const row = document.createElement('tr');
      row.dataset.instance = instance.instance;
      const cells = [instance.role, instance.instance, instance.ready ? 'yes' : 'no: ' + instance.detail,
        list(instance.partitions), list(instance.standbyPartitions),
        instance.lag === null || instance.lag === undefined ? '–' : number(instance.lag), instance.breaker || '–'];
      cells.forEach((text, i) => {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (i === 2) {
          cell.className = instance.ready ? 'yes' : 'no';
        }
        if (i === 5) {
          cell.className = 'num';
        }
        row.append(cell);
      });
      return row;
    }));
    const rescales = instances.map((i) => i.rescale).filter(Boolean);
    $('rescale').hidden = rescales.length === 0;
    if (rescales.length) {
      const first = rescales[0];
      const takenOver = rescales.reduce((sum, r) => sum + r.takenOver, 0);
      const of = rescales.reduce((sum, r) => sum + r.of, 0);
      $('rescale-text').textContent = `Generation ${first.from} (${first.partitionsFrom} partitions) → `
        + `${first.to} (${first.partitionsTo} partitions): ${first.phase}, ${takenOver} of ${first.partitionsTo} `
        + `partitions taken over (${of} counted by the instances that answered)`;
      $('rescale-progress').value = first.partitionsTo ? takenOver / first.partitionsTo : 0;
    }
  }

  async function refresh() {
    const started = Date.now();
    const [stats, load] = await Promise.allSettled([get('/stats'), get('/load')]);
    const failures = [stats, load].filter((r) => r.status === 'rejected').map((r) => r.reason);
    $('api-key-form').hidden = !failures.some((f) => f instanceof Unauthorized);
    showProblem(failures.filter((f) => !(f instanceof Unauthorized)).map((f) => f.message).join('; '));
    try {
      if (stats.status === 'fulfilled') {
        renderSelf(stats.value.self);
        renderCharts(stats.value);
        renderInstances(stats.value.instances || []);
      }
      if (load.status === 'fulfilled') {
        renderLoad(load.value);
      }
      if (failures.length === 0) {
        const updated = $('updated');
        updated.dataset.at = String(Date.now());
        updated.textContent = 'updated ' + new Date().toLocaleTimeString();
      }
    } catch (e) {
      showProblem('Could not draw: ' + e.message);
    }
    setTimeout(refresh, Math.max(100, 1000 - (Date.now() - started)));
  }

  $('api-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    apiKey = $('api-key').value.trim() || null;
    $('api-key').value = '';
  });

  $('key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('key-input').value.trim();
    if (!key) {
      return;
    }
    try {
      const answer = await get('/load/' + encodeURIComponent(key));
      const recent = answer.recent || {};
      $('key-result').textContent = `${answer.key}: ${number(answer.load)} (last 1 s ${number(recent['1s'])}, `
        + `10 s ${number(recent['10s'])}, 60 s ${number(recent['60s'])})`;
    } catch (e) {
      $('key-result').textContent = e instanceof Unauthorized ? 'needs the API key' : e.message;
    }
  });

  window.addEventListener('resize', () => {
    for (const [plot, id] of [[eventsPlot, 'events-chart'], [latencyPlot, 'latency-chart']]) {
      if (plot) {
        plot.setSize({ width: Math.max(280, $(id).clientWidth - 16), height: plot.height });
      }
    }
  });

  refresh();
})();
