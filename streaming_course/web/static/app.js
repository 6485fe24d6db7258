// The page of the web lesson: send a prompt, show the reply as it streams, stop it.
// Text pieces are shown at once as plain text; each finished Markdown block then arrives
// rendered by the server and replaces its text. Nothing here knows the API key.
"use strict";

const words = JSON.parse(document.getElementById("words").textContent);
const say = (key, values = {}) =>
  words[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
const $ = (id) => document.getElementById(id);

// What the page measured, for the lesson and the tests.
window.relayStats = { paints: 0, firstPaintMs: null, serverTtftMs: null, state: "idle" };

let controller = null;

$("ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const prompt = $("prompt").value.trim();
  if (prompt && !controller) ask(prompt);
});
$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("ask").requestSubmit();
  }
});
$("stop").addEventListener("click", () => controller?.abort());

async function ask(prompt) {
  const stats = (window.relayStats = {
    paints: 0, firstPaintMs: null, serverTtftMs: null, state: "streaming", chars: 0,
  });
  const started = performance.now();
  let tail = "";
  let chars = 0;
  let painted = false;
  $("blocks").replaceChildren();
  $("tail").textContent = "";
  $("error").hidden = true;
  $("status").textContent = say("waiting");
  controller = new AbortController();
  setBusy(true);
  const fail = (text) => {
    $("error").textContent = text;
    $("error").hidden = false;
  };
  try {
    const response = await fetch("/api/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: prompt }] }),
      signal: controller.signal,
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({ error: response.statusText }));
      stats.state = "refused";
      fail(say("refused", { status: response.status, detail: answer.error }));
      $("status").textContent = "";
      return;
    }
    let ended = false;
    for await (const event of readServerSentEvents(response.body)) {
      const data = JSON.parse(event.data);
      if (event.event === "text") {
        tail += data.text;
        chars += data.text.length;
        stats.chars = chars;
        $("tail").textContent = tail;
        $("status").textContent = say("streaming", { chars });
        requestAnimationFrame(() => {
          stats.paints += 1;
          if (!painted) {
            painted = true;
            stats.firstPaintMs = performance.now() - started;
          }
        });
      } else if (event.event === "block") {
        const block = document.createElement("div");
        block.className = "block";
        block.innerHTML = data.html; // rendered by the server, raw HTML escaped
        $("blocks").append(block);
        tail = tail.slice(data.chars);
        $("tail").textContent = tail;
      } else if (event.event === "done") {
        ended = true;
        stats.state = "done";
        stats.serverTtftMs = data.ttft === null ? null : data.ttft * 1000;
        await nextPaint();
        $("status").textContent = [
          say("ttft", { ms: Math.round(stats.firstPaintMs), server_ms: Math.round(stats.serverTtftMs) }),
          say("stop_reason", { reason: data.stop_reason }),
          say("usage", { input: data.usage.input_tokens, output: data.usage.output_tokens }),
        ].join(" · ");
      } else if (event.event === "error") {
        ended = true;
        stats.state = "error";
        $("status").textContent = "";
        fail(data.message);
      }
    }
    if (!ended) {
      stats.state = "ended-early";
      fail(say("ended_early", { chars }));
    }
  } catch (error) {
    if (error.name === "AbortError") {
      stats.state = "stopped";
      $("status").textContent = say("stopped", { chars });
    } else {
      stats.state = "broken";
      fail(say("broken", { detail: error.message, chars }));
    }
  } finally {
    controller = null;
    setBusy(false);
  }
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").disabled = !busy;
}

function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}
