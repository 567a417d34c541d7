// A stacked bar chart drawn as SVG (no library). Labels are text nodes, so nothing here parses markup.
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** days: [{label, counts: {series: n}}]; series: [{key, label, cls}] → <figure> with svg + legend. */
export function stackedBars(days, series, title) {
  const W = 560;
  const H = 220;
  const pad = { l: 32, r: 8, t: 12, b: 28 };
  const max = Math.max(1, ...days.map((d) => series.reduce((a, x) => a + (d.counts[x.key] ?? 0), 0)));
  const bw = (W - pad.l - pad.r) / Math.max(1, days.length);
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'chart' });
  svg.append(s('title', {}, title));
  for (const tick of [0, Math.ceil(max / 2), max]) {
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(tick), y2: y(tick), class: 'grid' }));
    svg.append(s('text', { x: pad.l - 4, y: y(tick) + 4, 'text-anchor': 'end', class: 'axis' }, String(tick)));
  }
  days.forEach((d, i) => {
    let acc = 0;
    const x = pad.l + i * bw + bw * 0.15;
    for (const ser of series) {
      const v = d.counts[ser.key] ?? 0;
      if (!v) continue;
      const rect = s('rect', { x, width: bw * 0.7, y: y(acc + v), height: y(acc) - y(acc + v), class: `bar ${ser.cls}` });
      rect.append(s('title', {}, `${d.label}: ${v} ${ser.label}`));
      svg.append(rect);
      acc += v;
    }
    svg.append(s('text', { x: x + bw * 0.35, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, d.label));
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const ser of series) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch ${ser.cls}`;
    const total = days.reduce((a, d) => a + (d.counts[ser.key] ?? 0), 0);
    li.append(sw, document.createTextNode(`${ser.label}: ${total}`));
    legend.append(li);
  }
  const fig = document.createElement('figure');
  fig.className = 'chart-figure';
  fig.append(svg, legend);
  return fig;
}
