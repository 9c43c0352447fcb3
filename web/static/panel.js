// The web panel's live parts (docs/web-panel.md), plain JavaScript, no framework:
// - the region id="live" follows the event stream /api/events: when an agent's row differs
//   from the one the region was rendered from, the region is fetched again from the server
//   (its data-live URL) and swapped in, keeping the keyboard focus where it was;
// - [data-since] timers count on every second, on the server's clock;
// - <time data-clock> shows a moment in the browser's time zone.
"use strict";

(function () {
  let offset = 0; // the server's clock minus this browser's, in seconds
  let known = new Map(); // agent -> the row (JSON) the live region was rendered from
  const latest = new Map(); // agent -> the row (JSON) the event stream sent last
  let waiting = null; // a refresh is planned or running
  let last = 0; // when the last refresh ended (ms)

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  }

  function tick() {
    const now = Date.now() / 1000 + offset;
    for (const el of document.querySelectorAll("[data-since]")) {
      el.textContent = duration(now - Number(el.dataset.since));
    }
  }

  function clocks(root) {
    for (const el of root.querySelectorAll("time[data-clock]")) {
      const at = new Date(el.dateTime);
      el.textContent = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
  }

  function adopt(live) {
    offset = Number(live.dataset.now) - Date.now() / 1000;
    const rows = JSON.parse(live.querySelector("script.rows").textContent);
    known = new Map(rows.map((row) => [row.agent, JSON.stringify(row)]));
    for (const agent of latest.keys()) {
      if (!known.has(agent)) {
        latest.delete(agent); // no longer on the page (an inventory reload): not a change
      }
    }
    clocks(live);
    tick();
  }

  function signInAgain() {
    window.location.assign("/signin?why=expired");
  }

  async function refresh() {
    let pause = 0;
    try {
      if (!(await swap())) {
        pause = 5000; // the service answered an error: ask again later
      }
    } catch (error) {
      pause = 5000; // not reachable: the stream reconnects, ask again later
    } finally {
      waiting = null;
      last = Date.now() + pause;
      plan(); // events that came while it ran
    }
  }

  async function swap() {
    const live = document.getElementById("live");
    const reply = await fetch(live.dataset.live, { cache: "no-store" });
    if (reply.redirected) {
      window.location.assign(reply.url); // the session is over: the sign-in page says so
      return true;
    }
    if (!reply.ok) {
      return false;
    }
    const page = new DOMParser().parseFromString(await reply.text(), "text/html");
    const next = page.getElementById("live");
    const focused = document.activeElement ? document.activeElement.id : "";
    live.replaceWith(next);
    const again = focused ? document.getElementById(focused) : null;
    if (again) {
      again.focus();
    }
    adopt(next);
    return true;
  }

  function plan() {
    const stale = [...latest].some(([agent, row]) => known.get(agent) !== row);
    if (stale && waiting === null) {
      // one refresh for a burst of events, at most one per data-every ms (a big table)
      const every = Number(document.getElementById("live").dataset.every);
      waiting = window.setTimeout(refresh, Math.max(100, last + every - Date.now()));
    }
  }

  function follow(rows) {
    for (const row of rows) {
      latest.set(row.agent, JSON.stringify(row));
    }
    plan();
  }

  clocks(document);
  const live = document.getElementById("live");
  if (live) {
    adopt(live);
    const stream = new EventSource("/api/events");
    stream.addEventListener("snapshot", (event) => follow(JSON.parse(event.data)));
    stream.addEventListener("agent", (event) => follow([JSON.parse(event.data)]));
    stream.addEventListener("expired", () => {
      stream.close();
      signInAgain();
    });
    window.addEventListener("pagehide", () => stream.close());
  }
  window.setInterval(tick, 1000);
})();
