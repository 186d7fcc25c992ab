"""The advocacy dashboard: one static page; its script fetches the JSON API with a token.

No data is in the page itself (it is served without a token); no CDN is used: the charts are
plain SVG drawn by the inline script, every label set as text (``textContent``), never as markup.
The token is typed into the form and sent only in the Authorization header: it never travels
in a URL (a URL ends up in the browser history, proxy and server logs, and Referer headers;
RFC 6750 section 5.3, OWASP REST Security Cheat Sheet).
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

DASHBOARD_HTML = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signals dashboard</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #111; }
form { margin-bottom: 1em; } input { width: 40em; }
.chart { margin: 1em 0; } .chart h2 { font-size: 1em; margin: 0.2em 0; }
svg text { font-size: 10px; } #status { color: #a00; }
</style></head>
<body>
<h1>Signals: anonymous bottleneck trends</h1>
<form id="login"><label>Bearer token (advocacy) <input id="token" type="password"></label>
<button type="submit">Load</button></form>
<p id="status"></p>
<div id="trend" class="chart"></div>
<div id="bars" class="chart"></div>
<div id="periods"></div>
<script>
"use strict";
const TABLE = "bottlenecks_by_stage";
const NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}
async function get(path, token) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}
function categoryTotals(release) {
  const totals = {};
  for (const cell of release.cells) {
    const c = cell.coordinates;
    if (c.category !== "total" && c.stage === "total") totals[c.category] = cell.count;
  }
  return totals;
}
function lineChart(container, periods, series) {
  const w = 720, h = 260, left = 40, bottom = 40;
  const svg = el("svg", { width: w, height: h, role: "img", "data-chart": "trend" });
  const values = Object.values(series).flat().filter((v) => v !== null);
  const max = Math.max(10, ...values);
  const x = (i) => left + (periods.length < 2 ? 0 : i * (w - left - 60) / (periods.length - 1));
  const y = (v) => h - bottom - v * (h - bottom - 10) / max;
  svg.appendChild(el("line", { x1: left, y1: y(0), x2: w - 10, y2: y(0), stroke: "#333" }));
  periods.forEach((p, i) => svg.appendChild(el("text", { x: x(i) - 15, y: h - 20 }, p)));
  svg.appendChild(el("text", { x: 2, y: y(max) + 10 }, String(max)));
  const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  Object.entries(series).forEach(([name, points], n) => {
    const colour = colours[n % colours.length];
    const coords = points.map((v, i) => (v === null ? null : x(i) + "," + y(v))).filter(Boolean);
    if (coords.length) svg.appendChild(el("polyline", { points: coords.join(" "), fill: "none",
      stroke: colour, "stroke-width": 2, "data-series": name }));
    svg.appendChild(el("text", { x: left + 5, y: 12 + 12 * n, fill: colour }, name));
  });
  const title = document.createElement("h2");
  title.textContent = "Persons with a bottleneck, by category and period (withheld = gap)";
  container.replaceChildren(title, svg);
}
function barChart(container, period, totals) {
  const entries = Object.entries(totals);
  const w = 720, row = 16, h = row * entries.length + 20;
  const svg = el("svg", { width: w, height: h, role: "img", "data-chart": "bars" });
  const max = Math.max(10, ...entries.map(([, v]) => v || 0));
  entries.forEach(([name, v], i) => {
    svg.appendChild(el("text", { x: 0, y: row * i + 12 }, name));
    if (v === null) {
      svg.appendChild(el("text", { x: 300, y: row * i + 12 }, "withheld"));
    } else {
      svg.appendChild(el("rect", { x: 300, y: row * i + 2, height: row - 4,
        width: Math.max(1, v * 380 / max), fill: "#1f77b4", "data-bar": name }));
      svg.appendChild(el("text", { x: 305 + v * 380 / max, y: row * i + 12 }, String(v)));
    }
  });
  const title = document.createElement("h2");
  title.textContent = "Bottlenecks by category, " + period;
  container.replaceChildren(title, svg);
}
async function load(token) {
  $("status").textContent = "";
  const listing = await get("/signals/periods", token);
  const periods = listing.periods.map((p) => p.period);
  const totals = [];
  for (const p of periods) {
    totals.push(categoryTotals(await get("/signals/periods/" + p + "/tables/" + TABLE, token)));
  }
  const categories = new Set(totals.flatMap((t) => Object.keys(t)));
  const series = {};
  for (const c of categories) {
    const points = totals.map((t) => (c in t ? t[c] : null));
    if (points.some((v) => v)) series[c] = points;
  }
  lineChart($("trend"), periods, series);
  if (periods.length) barChart($("bars"), periods[periods.length - 1],
    Object.fromEntries(Object.entries(totals[totals.length - 1]).filter(([, v]) => v !== 0)));
  const list = $("periods");
  list.replaceChildren();
  for (const p of periods) {
    const button = document.createElement("button");
    button.textContent = "Printable report " + p;
    button.onclick = async () => {
      const r = await fetch("/signals/periods/" + p + "/report",
        { headers: { Authorization: "Bearer " + token } });
      const url = URL.createObjectURL(new Blob([await r.text()], { type: "text/html" }));
      window.open(url, "_blank");
    };
    list.appendChild(button);
  }
  $("status").textContent = periods.length ? "" : "No published period yet.";
}
$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  load($("token").value).catch((e) => { $("status").textContent = String(e.message); });
});
</script>
</body></html>
"""


router = APIRouter(tags=["signals"])


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard() -> str:
    """The dashboard page (no data in it; its script fetches the API with a token)."""
    return DASHBOARD_HTML
