// The dashboard's page and its style; its code is web/*.ts, compiled to /js/.

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tswarm</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/js/app.js"></script>
</head>
<body>
<header>
  <h1>tswarm</h1>
  <div id="summary" class="summary"></div>
  <div id="conn" class="conn connecting" title="live stream">connecting…</div>
</header>
<div id="notice" class="notice" hidden></div>
<main>
  <div class="left">
    <section id="services-section">
      <div class="bar">
        <h2>Services</h2>
        <input id="svc-filter" type="search" placeholder="filter services" aria-label="filter services">
        <div id="svc-pager" class="pager"></div>
      </div>
      <table id="services">
        <thead><tr><th>Name</th><th>Mode</th><th>Replicas</th><th>Image</th><th>Ports</th><th>Update</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section id="nodes-section">
      <div class="bar">
        <h2>Nodes</h2>
        <input id="node-filter" type="search" placeholder="filter nodes: name, role, state, availability" aria-label="filter nodes">
        <div id="node-pager" class="pager"></div>
      </div>
      <div id="nodes" class="nodes"></div>
    </section>
  </div>
  <aside>
    <section id="detail" hidden></section>
    <section id="events-section">
      <div class="bar"><h2>Events</h2></div>
      <ol id="events" class="events"></ol>
    </section>
  </aside>
</main>
</body>
</html>
`;

export const PAGE_CSS = `
:root { --bg:#f4f6f9; --panel:#fff; --ink:#1d2330; --muted:#657085; --line:#dfe3ea; --accent:#1f6feb;
  --ok:#1a7f37; --okbg:#dcf5e3; --warn:#9a6700; --warnbg:#fff3cd; --bad:#c0262d; --badbg:#fde2e2; --idle:#6e7781; --idlebg:#eceff3; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; align-items:center; gap:18px; padding:10px 18px; background:#0d1b2a; color:#fff; }
header h1 { font-size:18px; margin:0; letter-spacing:.5px; }
.summary { display:flex; gap:14px; flex-wrap:wrap; font-size:13px; color:#cfd8e3; }
.summary b { color:#fff; }
.conn { margin-left:auto; font-size:12px; padding:2px 10px; border-radius:10px; }
.conn.live { background:var(--okbg); color:var(--ok); }
.conn.connecting { background:var(--warnbg); color:var(--warn); }
.conn.down { background:var(--badbg); color:var(--bad); }
.notice { margin:10px 18px 0; padding:8px 12px; border-radius:6px; background:var(--warnbg); color:var(--warn); }
.notice.error { background:var(--badbg); color:var(--bad); }
main { display:grid; grid-template-columns:minmax(0,1fr) 360px; gap:14px; padding:14px 18px; align-items:start; }
section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 12px; margin-bottom:14px; }
.bar { display:flex; align-items:center; gap:10px; margin-bottom:8px; }
.bar h2 { font-size:15px; margin:0; }
.bar input { flex:0 1 280px; padding:4px 8px; border:1px solid var(--line); border-radius:5px; font:inherit; }
.pager { margin-left:auto; display:flex; align-items:center; gap:6px; color:var(--muted); font-size:12px; }
button { font:inherit; font-size:12px; padding:2px 8px; border:1px solid var(--line); border-radius:5px; background:#fff; cursor:pointer; }
button:hover:not(:disabled) { border-color:var(--accent); color:var(--accent); }
button:disabled { opacity:.4; cursor:default; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { font-size:12px; color:var(--muted); font-weight:600; }
#services tbody tr { cursor:pointer; }
#services tbody tr:hover, #services tbody tr.selected { background:#eef4ff; }
td.empty { color:var(--muted); text-align:center; padding:14px; }
.replicas { font-weight:600; font-variant-numeric:tabular-nums; }
.replicas.ok { color:var(--ok); } .replicas.short { color:var(--warn); }
.mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
.badge { display:inline-block; font-size:11px; padding:0 6px; border-radius:8px; background:var(--idlebg); color:var(--idle); margin-right:3px; }
.badge.ok { background:var(--okbg); color:var(--ok); } .badge.warn { background:var(--warnbg); color:var(--warn); }
.badge.bad { background:var(--badbg); color:var(--bad); } .badge.leader { background:#e6edff; color:var(--accent); }
.nodes { display:grid; grid-template-columns:repeat(auto-fill, minmax(200px, 1fr)); gap:10px; }
.node { contain:layout paint; border:1px solid var(--line); border-radius:7px; background:#fafbfc; display:flex; flex-direction:column; min-height:90px; }
.node.down, .node.unknown, .node.disconnected { background:#fff7f7; border-color:#f2c4c4; }
.node.drain, .node.pause { background:#fbfaf4; }
.node-head { padding:7px 9px; border-bottom:1px solid var(--line); }
.node-title { display:flex; align-items:center; gap:6px; }
.node-title button { margin-left:auto; }
.node-name { font-weight:600; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.node-meta { font-size:11px; color:var(--muted); margin-top:2px; }
.node-tasks { padding:6px; display:flex; flex-direction:column; gap:4px; }
.card { border-radius:5px; padding:3px 7px; font-size:12px; border-left:4px solid var(--idle); background:#fff; box-shadow:0 1px 1px rgba(0,0,0,.05); }
.card .svc { font-weight:600; } .card .img { color:var(--muted); font-size:11px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.card.running { border-left-color:var(--ok); }
.card.starting, .card.pending, .card.assigned, .card.accepted, .card.preparing, .card.ready, .card.new, .card.allocated { border-left-color:var(--warn); }
.card.failed, .card.rejected, .card.orphaned { border-left-color:var(--bad); }
.card.stopping { border-left-color:var(--idle); opacity:.7; }
.more { font-size:11px; color:var(--muted); padding:2px 4px; }
.events { list-style:none; margin:0; padding:0; max-height:60vh; overflow:auto; }
.events li { padding:4px 2px; border-bottom:1px solid var(--line); font-size:12px; }
.events time { color:var(--muted); margin-right:6px; font-variant-numeric:tabular-nums; }
.events .what { font-weight:600; }
.events .attrs { color:var(--muted); }
#detail h2 { font-size:15px; margin:0 0 6px; display:flex; align-items:center; gap:8px; }
#detail h3 { font-size:13px; margin:10px 0 4px; }
#detail table td, #detail table th { padding:3px 5px; font-size:12px; }
#detail .close { margin-left:auto; }
.history { max-height:220px; overflow:auto; }
.logs { background:#0d1117; color:#d1d7e0; font:11px/1.35 ui-monospace, monospace; padding:8px; border-radius:6px; max-height:240px; overflow:auto; white-space:pre-wrap; margin:0; }
.scale { display:flex; gap:6px; align-items:center; margin-top:6px; }
.scale input { width:80px; padding:2px 6px; font:inherit; }
.err { color:var(--bad); white-space:normal; }
.muted { color:var(--muted); }
tr.past td { color:var(--muted); }
`;
