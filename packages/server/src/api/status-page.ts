/**
 * A small live status page: session counts by status, from the API, refreshed on every event from
 * /ws/sessions (and every 5 s as a backstop). The Control Room dashboard replaces it.
 */
export const statusPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Industrial Orchestrator — status</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
  :root { --ink:#111; --paper:#f4f1ea; --line:#111; --accent:#ff4d00; }
  body { margin:0; font:14px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background:var(--paper); color:var(--ink); }
  header { border-bottom:3px solid var(--line); padding:16px 24px; display:flex; justify-content:space-between; align-items:baseline; }
  h1 { margin:0; font-size:20px; letter-spacing:.08em; text-transform:uppercase; }
  main { padding:24px; }
  .grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(170px,1fr)); gap:0; border:3px solid var(--line); }
  .cell { border:1px solid var(--line); padding:12px 14px; }
  .cell b { display:block; font-size:30px; }
  .cell span { text-transform:uppercase; font-size:11px; letter-spacing:.1em; }
  .live { color:var(--accent); }
  form { margin:16px 0; display:flex; gap:8px; }
  input { flex:1; max-width:520px; font:inherit; padding:6px; border:2px solid var(--line); background:#fff; }
  button { font:inherit; border:2px solid var(--line); background:var(--ink); color:var(--paper); padding:6px 12px; cursor:pointer; }
  #msg { min-height:1.4em; }
  h2 { font-size:13px; letter-spacing:.1em; text-transform:uppercase; margin-top:28px; }
  #agents li { margin:4px 0; }
  a { color:inherit; }
</style></head>
<body>
<header><h1>Industrial Orchestrator</h1><div><span id="conn">connecting…</span> · <a href="/docs">API docs</a></div></header>
<main>
  <form id="keyform"><input id="key" type="password" placeholder="API key (printed when the server first started)" autocomplete="off"><button>Use key</button></form>
  <p id="msg"></p>
  <div class="grid" id="grid"></div>
  <p>Total: <b id="total">–</b></p>
  <h2>Agents</h2>
  <ul id="agents"></ul>
</main>
<script>
const order = ["pending","queued","running","degraded","waiting","paused","completed","partially_completed","failed","timeout","stopped","cancelled","orphaned"];
const grid = document.getElementById("grid"), msg = document.getElementById("msg"), conn = document.getElementById("conn");
const keyInput = document.getElementById("key");
let key = localStorage.getItem("orchestrator.key") || "";
keyInput.value = key;
document.getElementById("keyform").onsubmit = (e) => { e.preventDefault(); key = keyInput.value.trim(); localStorage.setItem("orchestrator.key", key); refresh(); connect(); };
const auth = () => key ? { authorization: "Bearer " + key } : {};
async function refresh() {
  try {
    const r = await fetch("/api/v1/sessions/stats", { headers: auth() });
    const body = await r.json();
    if (!r.ok) { msg.textContent = body.error ? body.error.code + ": " + body.error.message : "HTTP " + r.status; return; }
    msg.textContent = "";
    document.getElementById("total").textContent = body.total;
    grid.innerHTML = order.map((s) => '<div class="cell" data-status="' + s + '"><b>' + body.byStatus[s] + '</b><span class="' + (s === "running" ? "live" : "") + '">' + s.replace("_", " ") + "</span></div>").join("");
  } catch (e) { msg.textContent = "cannot reach the server: " + e.message; }
  try {
    const a = await fetch("/api/v1/agents", { headers: auth() });
    if (a.ok) {
      const list = document.getElementById("agents");
      list.replaceChildren(...(await a.json()).items.map((x) => {
        const li = document.createElement("li");
        li.innerHTML = "<b></b> — <span></span>";
        li.querySelector("b").textContent = x.name;
        li.querySelector("span").textContent = x.label;
        return li;
      }));
    }
  } catch (e) { /* the stats line above already says the server is unreachable */ }
}
let ws, timer;
function connect() {
  if (ws) ws.close();
  const q = key ? "?access_token=" + encodeURIComponent(key) : "";
  ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/sessions" + q);
  ws.onopen = () => (conn.textContent = "live");
  ws.onclose = () => { conn.textContent = "disconnected"; };
  ws.onmessage = () => { clearTimeout(timer); timer = setTimeout(refresh, 100); };
}
refresh(); connect(); setInterval(refresh, 5000);
</script></body></html>`;
