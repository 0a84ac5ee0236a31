/// The console's one script (plain JavaScript, no framework): copy buttons, confirmations,
/// the live telemetry page's polling loop (pausable, from a chosen position) and the node
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
  var positions = "";
  var paused = false;
  var rowsMax = 500;
  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.textContent = paused ? "Resume" : "Pause";
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    status.textContent = paused ? "Paused." : "Listening…";
    if (!paused) { poll(); }
  });
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }
  function properties(bag) {
    return Object.keys(bag || {}).map(function (key) { return key + "=" + bag[key]; }).join("; ");
  }
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
        status.textContent = "Listening… (" + body.rows.length + " shown)";
      }
      setTimeout(poll, page.events.length ? 0 : 200);
    }).catch(function (error) {
      status.textContent = "Stopped: " + error.message + ". Retrying…";
      setTimeout(poll, 3000);
    });
  }
  status.textContent = "Listening…";
  poll();
})();

(function refreshNode() {
  var node = document.querySelector("[data-refresh-seconds]");
  if (!node) { return; }
  setTimeout(function () { window.location.reload(); }, 1000 * Number(node.getAttribute("data-refresh-seconds")));
})();
"""#
}
