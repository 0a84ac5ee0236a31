extension ConsoleTemplates {
    static let twin = #"""
{{> top}}
<p><a href="{{href}}">Back to {{deviceId}}{{#moduleId}}/{{moduleId}}{{/moduleId}}</a> · etag <code id="twin-etag">{{etag}}</code> · version {{version}}</p>
{{#canConnect}}
<form method="post" action="{{twinHref}}">
  <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="etag" value="{{etag}}">
  <label for="tags">Tags (JSON)</label><textarea id="tags" name="tags" spellcheck="false">{{tags}}</textarea>
  <label for="desired">Desired properties (JSON, version {{desiredVersion}})</label><textarea id="desired" name="desired" spellcheck="false">{{desired}}</textarea>
  <p><button type="submit" id="save-twin">Save tags and desired properties</button>
  <span class="muted">Saved only if the twin still has etag {{etag}}.</span></p>
</form>
{{/canConnect}}
{{^canConnect}}
<h2>Tags</h2><pre id="tags-read">{{tags}}</pre>
<h2>Desired properties (version {{desiredVersion}})</h2><pre id="desired-read">{{desired}}</pre>
{{/canConnect}}
{{#editedDesired}}<h2>Your edit (not saved)</h2><pre id="edited-tags">{{editedTags}}</pre><pre id="edited-desired">{{editedDesired}}</pre>{{/editedDesired}}
<details><summary>Desired $metadata</summary><pre>{{desiredMetadata}}</pre></details>
<h2>Reported properties (version {{reportedVersion}}, read-only, with $metadata)</h2>
<pre id="reported">{{reported}}</pre>
{{> bottom}}
"""#

    static let methods = #"""
{{> top}}
<p><a href="{{href}}">Back to {{deviceId}}{{#moduleId}}/{{moduleId}}{{/moduleId}}</a> · {{#connected}}connected{{/connected}}{{^connected}}not connected{{/connected}}</p>
<form method="post" action="{{action}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label for="method-name">Method name</label><input type="text" id="method-name" name="methodName" value="{{methodName}}" required>
  <label for="method-payload">Payload (JSON)</label><textarea id="method-payload" name="payload" spellcheck="false">{{payload}}</textarea>
  <div class="row">
    <div><label for="response-timeout">Response timeout (seconds, 5–300)</label><input type="number" id="response-timeout" name="responseTimeout" value="{{responseTimeout}}" min="5" max="300"></div>
    <div><label for="connect-timeout">Connect timeout (seconds, 0–300)</label><input type="number" id="connect-timeout" name="connectTimeout" value="{{connectTimeout}}" min="0" max="300"></div>
  </div>
  <p><button type="submit" id="invoke">Invoke</button></p>
</form>
{{#result}}
<h2>Result</h2>
<table><tr><th scope="row">Status</th><td id="method-status">{{status}}</td></tr>
<tr><th scope="row">Latency</th><td id="method-latency">{{latencyMillis}} ms</td></tr></table>
<pre id="method-result">{{payload}}</pre>
{{/result}}
{{> bottom}}
"""#

    static let messages = #"""
{{> top}}
<p><a href="{{href}}">Back to {{deviceId}}</a> · {{#connected}}connected{{/connected}}{{^connected}}not connected{{/connected}} ·
<span id="pending">{{pendingMessages}}</span> message(s) waiting in the queue</p>
<form method="post" action="{{action}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label for="c2d-body">Body</label><textarea id="c2d-body" name="body" spellcheck="false"></textarea>
  <div class="row">
    <div><label for="c2d-message-id">Message id (empty: generated)</label><input type="text" id="c2d-message-id" name="messageId"></div>
    <div><label for="c2d-ack">Feedback (iothub-ack)</label><select id="c2d-ack" name="ack">
      <option value="none">none</option><option value="positive">positive</option><option value="negative">negative</option><option value="full">full</option></select></div>
    <div><label for="c2d-ttl">Time to live (seconds, empty: the hub's default)</label><input type="number" id="c2d-ttl" name="ttlSeconds" min="1"></div>
  </div>
  <label for="c2d-properties">Properties, one <code>name=value</code> a line (<code>correlationId</code>, <code>contentType</code>… are system properties)</label>
  <textarea id="c2d-properties" name="properties" spellcheck="false"></textarea>
  <p><button type="submit" id="send-c2d">Send</button></p>
</form>
<form method="post" action="{{action}}" data-confirm="Purge every waiting message for {{deviceId}}?">
  <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" name="action" value="purge" class="danger" id="purge">Purge the queue</button></form>
<p><a href="/console/feedback">See the feedback queue</a></p>
{{> bottom}}
"""#

    static let feedback = #"""
{{> top}}
<p class="muted">{{queued}} record(s) queued, {{dropped}} dropped since start. Looking does not take them: the back end that
completes feedback still receives every record.</p>
<table id="feedback">
  <thead><tr><th scope="col">Original message id</th><th scope="col">Device</th><th scope="col">Outcome</th><th scope="col">When</th></tr></thead>
  <tbody>{{#records}}<tr><td>{{originalMessageId}}</td><td>{{deviceId}}</td><td>{{statusCode}}</td><td>{{enqueuedTime}}</td></tr>{{/records}}
  {{#empty}}<tr><td colspan="4">No feedback waiting.</td></tr>{{/empty}}</tbody>
</table>
{{> bottom}}
"""#

    static let telemetry = #"""
{{> top}}
<form method="get" action="/console/telemetry">
  <div class="row">
    <div><label for="telemetry-device">Device id (empty: all devices)</label><input type="text" id="telemetry-device" name="deviceId" value="{{deviceId}}"></div>
    <div><label for="telemetry-from">From</label><select id="telemetry-from" name="from">
      <option value="latest"{{#fromLatest}} selected{{/fromLatest}}>now on</option>
      <option value="earliest"{{#fromEarliest}} selected{{/fromEarliest}}>the oldest event kept</option>
      {{#fromTime}}<option value="{{fromTime}}" selected>{{fromTime}}</option>{{/fromTime}}</select></div>
  </div>
  <p><button type="submit" id="watch">Watch</button> <span class="muted">or give an ISO 8601 time as <code>?from=2026-12-01T10:00:00Z</code></span></p>
</form>
<p><button type="button" id="pause" aria-pressed="false" class="secondary">Pause</button> <span id="live-status" role="status" aria-live="polite">Starting…</span></p>
<table id="events" data-device-id="{{deviceId}}" data-from="{{from}}">
  <thead><tr><th scope="col">Enqueued</th><th scope="col">Device</th><th scope="col">Body</th><th scope="col">Application properties</th><th scope="col">System properties</th><th scope="col">Position</th></tr></thead>
  <tbody></tbody>
</table>
{{> bottom}}
"""#

    static let node = #"""
{{> top}}
<div data-refresh-seconds="{{refreshSeconds}}"></div>
<table class="facts" id="node-now">
  <tr><th scope="row">Host name</th><td>{{hostName}}</td></tr>
  <tr><th scope="row">Connected devices</th><td id="connected-devices">{{connectedDevices}}</td></tr>
  <tr><th scope="row">Devices (enabled / disabled)</th><td>{{totalDevices}} ({{enabledDevices}} / {{disabledDevices}})</td></tr>
  <tr><th scope="row">C2D feedback queued</th><td>{{feedbackQueued}}</td></tr>
  <tr><th scope="row">Console sessions</th><td>{{sessions}}</td></tr>
</table>
<h2>The last {{windowMinutes}} minutes (a sample every {{sampleSeconds}} s)</h2>
<div class="charts">
{{#charts}}<figure><figcaption>{{name}} <span class="muted">now {{latest}}</span></figcaption>{{{svg}}}</figure>{{/charts}}
</div>
{{^charts}}<p class="muted">No samples yet.</p>{{/charts}}
<h2>Listeners</h2>
<table><thead><tr><th scope="col">Listener</th><th scope="col">Address</th></tr></thead>
<tbody>{{#listeners}}<tr><td>{{name}}</td><td>{{address}}</td></tr>{{/listeners}}</tbody></table>
<h2>Configuration</h2>
<table><thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
<tbody>{{#configuration}}<tr><td><code>{{key}}</code></td><td>{{value}}</td></tr>{{/configuration}}</tbody></table>
{{> bottom}}
"""#

    static let routing = #"""
{{> top}}
{{#absent}}<p>This hub has no message routing.</p>{{/absent}}
{{^absent}}
<p>Fallback route to <code>events</code>: {{#fallbackEnabled}}enabled{{/fallbackEnabled}}{{^fallbackEnabled}}disabled{{/fallbackEnabled}}.
Change routing with <code>nave route</code>, <code>nave endpoint</code> or the REST API.</p>
<h2>Routes</h2>{{#routes}}<h3>{{name}}</h3><pre>{{json}}</pre>{{/routes}}{{^routes}}<p class="muted">None.</p>{{/routes}}
<h2>Endpoints</h2>{{#endpoints}}<h3>{{name}}</h3><pre>{{json}}</pre>{{/endpoints}}{{^endpoints}}<p class="muted">None.</p>{{/endpoints}}
<h2>Enrichments</h2>{{#enrichments}}<h3>{{name}}</h3><pre>{{json}}</pre>{{/enrichments}}{{^enrichments}}<p class="muted">None.</p>{{/enrichments}}
{{#isOwner}}
<h2>Route test</h2>
<form method="post" action="/console/routing"><input type="hidden" name="csrf" value="{{csrf}}">
  <label for="route-sample">Sample message (source, deviceId, moduleId, body, contentType, contentEncoding, appProperties)</label>
  <textarea id="route-sample" name="sample" spellcheck="false">{{sample}}</textarea>
  <p><button type="submit" id="test-routes">Test routes</button></p></form>
{{#testResult}}<h3>Result</h3><pre id="route-test-result">{{testResult}}</pre>{{/testResult}}
{{/isOwner}}
{{/absent}}
{{> bottom}}
"""#
}
