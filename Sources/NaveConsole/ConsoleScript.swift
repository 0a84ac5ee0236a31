/// The console's one script (plain JavaScript, no framework): copy buttons, confirmations,
/// the live telemetry page's WebSocket, with the long poll as its fallback (pausable, from a chosen position) and the node
/// page's refresh. Everything else works without it.
enum ConsoleScript {
    static let javaScript = #"""
"use strict";
document.addEventListener("click", function (event) {
  var copy = event.target.closest("button[data-copy]");
  if (copy) {
    var source = document.getElementById(copy.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () { copy.textContent = "Copied"; });
    }
  }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});

(function liveTelemetry() {
  var table = document.getElementById("events");
  if (!table) { return; }
  var body = table.querySelector("tbody");
  var status = document.getElementById("live-status");
  var toggle = document.getElementById("pause");
  var deviceId = table.getAttribute("data-device-id") || "";
  var from = table.getAttribute("data-from") || "latest";
  var csrf = document.querySelector("input[name=csrf]");
  var positions = "";
  var paused = false;
  var rowsMax = 500;
  // Events that came over the WebSocket while paused, shown on resume (as the long poll
  // shows them then), the oldest dropped beyond what the table keeps.
  var held = [];
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    status.textContent = paused ? "Paused." : "Listening…";
    if (paused) { return; }
    if (table.getAttribute("data-transport") === "websocket") {
      held.splice(0).forEach(show);
      shown();
    } else {
      poll();
    }
  });
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  function properties(bag) {
    return Object.keys(bag || {}).map(function (key) { return key + "=" + bag[key]; }).join("; ");
  }
  function shown() { status.textContent = "Listening… (" + body.rows.length + " shown)"; }
  function show(event) {
    var row = document.createElement("tr");
    row.className = "event";
    cell(row, event.enqueuedTime);
    cell(row, event.deviceId + (event.moduleId ? "/" + event.moduleId : ""));
    var bodyCell = cell(row, "");
    var pre = document.createElement("pre"); pre.textContent = event.body; bodyCell.appendChild(pre);
    cell(row, properties(event.applicationProperties));
    cell(row, properties(event.systemProperties));
    cell(row, event.partition + ":" + event.sequenceNumber);
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > rowsMax) { body.deleteRow(body.rows.length - 1); }
  }
  // The node's WebSocket: the opening names the session by its CSRF token, then every binary
  // frame is one event. A socket that cannot open falls back to the long poll.
  function listen() {
    var socket;
    try {
      if (!window.WebSocket || !csrf) { throw new Error("no WebSocket"); }
      socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/console/telemetry/socket",
                             "nave.console.v1");
    } catch (error) {
      return fallBack();
    }
    var opened = false;
    var decoder = new TextDecoder();
    socket.binaryType = "arraybuffer";
    socket.onopen = function () {
      opened = true;
      table.setAttribute("data-transport", "websocket");
      socket.send(new TextEncoder().encode(JSON.stringify({ csrf: csrf.value, device: deviceId, from: from })));
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(decoder.decode(message.data));
      if (paused) {
        held.push(event);
        if (held.length > rowsMax) { held.shift(); }
        return;
      }
      show(event);
      shown();
    };
    socket.onclose = function (event) {
      if (!opened) { return fallBack(); }
      status.textContent = "Stopped: " + (event.reason || "the connection closed (" + event.code + ")") + ". Reload to listen again.";
    };
  }
  function fallBack() {
    table.setAttribute("data-transport", "long-poll");
    poll();
  }
  function poll() {
    if (paused) { return; }
    var url = "/console/telemetry/events?from=" + encodeURIComponent(from);
    if (deviceId) { url += "&deviceId=" + encodeURIComponent(deviceId); }
    if (positions) { url += "&positions=" + encodeURIComponent(positions); }
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (page) {
      positions = page.positions;
      if (!paused) {
        page.events.forEach(show);
        shown();
      }
      setTimeout(poll, page.events.length ? 0 : 200);
    }).catch(function (error) {
      status.textContent = "Stopped: " + error.message + ". Retrying…";
      setTimeout(poll, 3000);
    });
  }
  status.textContent = "Listening…";
  listen();
})();

(function refreshNode() {
  var node = document.querySelector("[data-refresh-seconds]");
  if (!node) { return; }
  setTimeout(function () { window.location.reload(); }, 1000 * Number(node.getAttribute("data-refresh-seconds")));
})();
"""#
}
