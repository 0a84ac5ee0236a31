/// The console's one stylesheet. Colours keep WCAG 2.1 AA contrast (4.5:1 for text) on their
/// backgrounds, and every focusable element shows a visible focus ring (WCAG 2.4.7).
enum ConsoleStyle {
    static let css = #"""
:root { --ink: #1b1f24; --muted: #4a5561; --line: #c9d1d9; --accent: #0b5cad; --bg: #ffffff; --panel: #f4f6f8;
        --bad: #a4161a; --good: #1a6b32; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #f2a900; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 8px 20px; background: #12263a; color: #fff; flex-wrap: wrap; }
header.top a { color: #fff; } header.top .brand { font-weight: 700; font-size: 1.1rem; text-decoration: none; }
header.top nav ul { list-style: none; display: flex; gap: 16px; margin: 0; padding: 0; flex-wrap: wrap; }
header.top nav a[aria-current="page"] { text-decoration: underline; font-weight: 700; }
header.top .who { margin-left: auto; display: flex; gap: 12px; align-items: center; }
main { padding: 16px 20px; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: 8px 0 16px; } h2 { font-size: 1.15rem; margin-top: 24px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); padding: 12px; margin: 12px 0; }
label { display: block; font-weight: 600; margin: 8px 0 4px; }
input[type=text], input[type=number], input[type=password], select, textarea { font: inherit; padding: 6px; border: 1px solid #6b7682; border-radius: 3px; width: 100%; max-width: 640px; }
textarea { font-family: ui-monospace, monospace; min-height: 8rem; }
button { font: inherit; padding: 6px 14px; border-radius: 3px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin: 4px 4px 4px 0; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
.note { padding: 8px 12px; border-left: 4px solid var(--good); background: #e9f5ec; }
.error { padding: 8px 12px; border-left: 4px solid var(--bad); background: #fbeaea; }
.muted { color: var(--muted); }
pre, code { font-family: ui-monospace, monospace; }
pre { background: var(--panel); padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.status-enabled, .state-connected { color: var(--good); font-weight: 600; }
.status-disabled, .state-disconnected { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); padding: 8px; } figcaption { font-weight: 600; }
.row { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-end; }
.row > div { flex: 1 1 180px; }
#events tbody tr:first-child { background: #fff8e1; }
"""#
}
