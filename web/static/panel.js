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
  let waiting = null;

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
    known = new Map(JSON.parse(live.dataset.rows).map((row) => [row.agent, JSON.stringify(row)]));
    clocks(live);
    tick();
  }

  function changed(rows) {
    return rows.some((row) => known.get(row.agent) !== JSON.stringify(row));
  }

  function signInAgain() {
    window.location.assign("/signin?why=expired");
  }

  async function refresh() {
    waiting = null;
    const live = document.getElementById("live");
    let reply;
    try {
      reply = await fetch(live.dataset.live, { cache: "no-store" });
    } catch (error) {
      return; // the stream reconnects and its snapshot asks again
    }
    if (reply.redirected) {
      window.location.assign(reply.url); // the session is over: the sign-in page says so
      return;
    }
    if (!reply.ok) {
      return;
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
  }

  function follow(rows) {
    if (changed(rows) && waiting === null) {
      waiting = window.setTimeout(refresh, 100); // one refresh for a burst of events
    }
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
