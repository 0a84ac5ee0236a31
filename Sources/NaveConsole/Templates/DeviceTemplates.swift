extension ConsoleTemplates {
    static let devices = #"""
{{> top}}
<p class="muted">{{totalDevices}} devices, {{connectedDevices}} connected.</p>
<form method="get" action="/console/devices" role="search">
  <div class="row">
    <div><label for="search-id">Device id</label><input type="text" id="search-id" name="id" value="{{search.id}}"></div>
    <div><label for="search-status">Status</label><select id="search-status" name="status">
      <option value=""{{#search.statusAny}} selected{{/search.statusAny}}>any</option>
      <option value="enabled"{{#search.statusEnabled}} selected{{/search.statusEnabled}}>enabled</option>
      <option value="disabled"{{#search.statusDisabled}} selected{{/search.statusDisabled}}>disabled</option></select></div>
    <div><label for="search-connection">Connection</label><select id="search-connection" name="connection">
      <option value=""{{#search.connectionAny}} selected{{/search.connectionAny}}>any</option>
      <option value="Connected"{{#search.connected}} selected{{/search.connected}}>connected</option>
      <option value="Disconnected"{{#search.disconnected}} selected{{/search.disconnected}}>disconnected</option></select></div>
  </div>
  <label for="search-where">And the condition (query language, e.g. <code>tags.site = 'north'</code>)</label>
  <input type="text" id="search-where" name="where" value="{{search.where}}">
  <p><button type="submit" id="search">Search</button></p>
</form>
<p class="muted">Query: <code id="query-text">{{query}}</code></p>
<table id="devices">
  <caption class="muted">Devices on this page</caption>
  <thead><tr><th scope="col">Device id</th><th scope="col">Status</th><th scope="col">Connection</th><th scope="col">Last activity</th><th scope="col">Tags</th></tr></thead>
  <tbody>
  {{#devices}}<tr><td><a href="{{href}}">{{deviceId}}</a></td><td class="status-{{status}}">{{status}}</td>
    <td class="state-{{stateClass}}">{{connectionState}}</td><td>{{lastActivityTime}}</td><td><code>{{tags}}</code></td></tr>{{/devices}}
  {{#empty}}<tr><td colspan="5">No device matches.</td></tr>{{/empty}}
  </tbody>
</table>
<p>{{#firstURL}}<a href="{{firstURL}}">First page</a> {{/firstURL}}{{#nextURL}}<a href="{{nextURL}}" id="next-page">Next page</a>{{/nextURL}}</p>
{{#canWrite}}
<h2 id="create">Create a device</h2>
<form method="post" action="/console/devices">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <label for="new-device-id">Device id</label><input type="text" id="new-device-id" name="deviceId" required maxlength="128">
  <label for="new-device-status">Status</label><select id="new-device-status" name="status"><option value="enabled">enabled</option><option value="disabled">disabled</option></select>
  <p class="muted">Authentication: two generated symmetric keys (SAS).</p>
  <p><button type="submit" id="create-device">Create</button></p>
</form>
{{/canWrite}}
{{> bottom}}
"""#

    static let identity = #"""
{{> top}}
{{#isModule}}<p><a href="{{deviceHref}}">Device {{deviceId}}</a></p>{{/isModule}}
<table class="facts">
  <tr><th scope="row">Device id</th><td id="device-id">{{deviceId}}</td></tr>
  {{#isModule}}<tr><th scope="row">Module id</th><td>{{moduleId}}</td></tr><tr><th scope="row">Managed by</th><td>{{managedBy}}</td></tr>{{/isModule}}
  {{^isModule}}<tr><th scope="row">Status</th><td id="device-status" class="status-{{status}}">{{status}} <span class="muted">since {{statusUpdatedTime}}</span></td></tr>
  <tr><th scope="row">Cloud-to-device messages waiting</th><td>{{pendingMessages}}</td></tr>{{/isModule}}
  <tr><th scope="row">Connection</th><td id="connection-state">{{#connected}}<span class="state-connected">Connected</span>{{/connected}}{{^connected}}<span class="state-disconnected">Disconnected</span>{{/connected}} <span class="muted">last activity {{lastActivityTime}}</span></td></tr>
  <tr><th scope="row">Authentication</th><td>{{authKind}}</td></tr>
  <tr><th scope="row">Generation id</th><td>{{generationId}}</td></tr>
</table>
<p><a href="{{href}}/twin" id="open-twin">Twin</a>{{#canConnect}} · <a href="{{href}}/methods" id="open-methods">Direct methods</a>{{^isModule}} · <a href="{{href}}/messages" id="open-messages">Cloud-to-device messages</a>{{/isModule}} · <a href="/console/telemetry?deviceId={{deviceId}}">Live telemetry</a>{{/canConnect}}</p>
{{#hasKeys}}
<h2>Keys and connection strings</h2>
{{^keys}}<p><a href="{{href}}?reveal=1" id="reveal-keys">Reveal keys</a> <span class="muted">(secrets: shown only when asked for)</span></p>{{/keys}}
{{#keys}}
<h3>{{slot}} key</h3>
<pre id="{{slot}}-key">{{key}}</pre>
<pre id="{{slot}}-connection-string">{{connectionString}}</pre>
<button type="button" class="secondary" data-copy="{{slot}}-connection-string">Copy connection string</button>
{{/keys}}
{{/hasKeys}}
{{#canWrite}}
<h2>Change</h2>
<form class="inline" method="post" action="{{href}}/update"><input type="hidden" name="csrf" value="{{csrf}}">
  {{^isModule}}{{#enabled}}<button type="submit" name="action" value="disable" id="disable">Disable</button>{{/enabled}}{{^enabled}}<button type="submit" name="action" value="enable" id="enable">Enable</button>{{/enabled}}{{/isModule}}
  {{#hasKeys}}<button type="submit" name="action" value="regenerate-primary" class="secondary" id="regenerate-primary">Regenerate primary key</button>
  <button type="submit" name="action" value="regenerate-secondary" class="secondary" id="regenerate-secondary">Regenerate secondary key</button>{{/hasKeys}}
</form>
<form class="inline" method="post" action="{{href}}/update" data-confirm="Delete {{deviceId}}{{#isModule}}/{{moduleId}}{{/isModule}}? This cannot be undone.">
  <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" name="action" value="delete" class="danger" id="delete">Delete</button></form>
{{/canWrite}}
{{^isModule}}
<h2>Modules</h2>
<ul id="modules">{{#modules}}<li><a href="{{href}}">{{moduleId}}</a> {{#connected}}(connected){{/connected}}</li>{{/modules}}</ul>
{{^modules}}<p class="muted">No modules.</p>{{/modules}}
{{#canWrite}}
<form method="post" action="{{href}}/modules"><input type="hidden" name="csrf" value="{{csrf}}">
  <label for="new-module-id">New module id</label><input type="text" id="new-module-id" name="moduleId" required maxlength="128">
  <p><button type="submit" id="create-module">Create module</button></p></form>
{{/canWrite}}
{{/isModule}}
{{> bottom}}
"""#
}
