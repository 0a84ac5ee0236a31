/// Every template by name, registered once (`ConsoleRenderer`). Pages include `top` and
/// `bottom` (Mustache partials) around their content; `{{x}}` escapes HTML, and `{{{x}}}` is
/// used only for the charts' SVG, which the console writes itself from numbers.
enum ConsoleTemplates {
    static let all: [(name: String, text: String)] = [
        ("top", top), ("bottom", bottom), ("message", message), ("signin", signIn),
        ("devices", devices), ("identity", identity), ("twin", twin), ("methods", methods),
        ("messages", messages), ("feedback", feedback), ("telemetry", telemetry), ("node", node), ("routing", routing),
    ]

    static let top = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Nave console</title>
<link rel="stylesheet" href="{{cssURL}}">
<script src="{{jsURL}}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">Nave console</a>
  {{#policy}}
  <nav aria-label="Sections"><ul>
    {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
  </ul></nav>
  <div class="who"><span>Policy <strong id="policy-name">{{policy}}</strong></span>
    <form class="inline" method="post" action="/console/signout"><input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit" class="secondary" id="sign-out">Sign out</button></form></div>
  {{/policy}}
</header>
<main id="main">
<h1>{{title}}</h1>
{{#note}}<p class="note" role="status">{{note}}</p>{{/note}}
{{#error}}<p class="error" role="alert" id="error">{{error}}</p>{{/error}}
"""#

    static let bottom = #"""
</main>
</body>
</html>
"""#

    static let message = #"""
{{> top}}
<p id="message">{{text}}</p>
<p><a href="/console">Back to the console</a></p>
{{> bottom}}
"""#

    static let signIn = #"""
{{> top}}
<form method="post" action="/console/signin">
  <p>Sign in with a shared access policy's connection string (as the REST API and the service SDKs use it).
  The console then has that policy's rights: a <code>registryRead</code> policy can look but not change.</p>
  <label for="connectionString">Connection string</label>
  <input type="password" id="connectionString" name="connectionString" autocomplete="off" required
         placeholder="HostName=…;SharedAccessKeyName=…;SharedAccessKey=…">
  <p><button type="submit" id="sign-in">Sign in</button></p>
</form>
{{> bottom}}
"""#
}
