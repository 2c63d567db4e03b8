extension HTMLReport {
    static let css = #"""
    :root { --bg: #f6f7f9; --panel: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb; --accent: #3056d3;
            --pos: 214, 63, 52; --neg: 40, 98, 200; --warn: #b54708; --warnbg: #fff4e5; --ok: #067647; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header { position: sticky; top: 0; z-index: 5; display: flex; gap: 18px; align-items: baseline; padding: 10px 24px;
             background: #141a29; color: #e8ecf4; box-shadow: 0 1px 3px rgba(0,0,0,.25); }
    header .brand { font-weight: 700; letter-spacing: .02em; font-size: 16px; }
    header #model-line { color: #b9c2d6; font-size: 13px; }
    header #model-line b { color: #fff; font-weight: 600; }
    main { max-width: 1280px; margin: 0 auto; padding: 18px 24px 60px; }
    section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin: 0 0 18px; }
    section.panel > h2 { margin: 0 0 4px; font-size: 16px; }
    section.panel > p.sub { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
    .row { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
    .toggle { display: inline-flex; border: 1px solid var(--line); border-radius: 7px; overflow: hidden; margin-right: 10px; }
    .toggle button { border: 0; background: #fff; padding: 5px 12px; font: inherit; font-size: 13px; cursor: pointer; color: var(--muted); }
    .toggle button.on { background: var(--accent); color: #fff; }
    button.link { border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 3px 10px; cursor: pointer; font: inherit; font-size: 13px; }
    button.link:disabled { opacity: .4; cursor: default; }
    .badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; background: #ecfdf3; color: var(--ok); }
    .badge.warn { background: var(--warnbg); color: var(--warn); }
    .tokens { display: flex; flex-wrap: wrap; gap: 3px; margin-top: 12px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
    .tok { white-space: pre; padding: 2px 4px; border-radius: 4px; border: 1px solid rgba(0,0,0,.06); cursor: pointer; min-width: 10px; }
    .tok.sel { outline: 2px solid var(--accent); outline-offset: 1px; }
    .tok.kept { background-image: repeating-linear-gradient(45deg, rgba(0,0,0,.06) 0 3px, transparent 3px 6px); }
    .tok.target { border: 1px dashed var(--ink); }
    .legend { display: flex; align-items: center; gap: 8px; font-size: 12px; color: var(--muted); margin-top: 10px; }
    .legend .bar { width: 160px; height: 10px; border-radius: 3px; }
    .details { min-width: 280px; flex: 1; }
    table.alts { border-collapse: collapse; font-size: 13px; width: 100%; max-width: 420px; }
    table.alts td { padding: 2px 6px; }
    table.alts td.t { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
    .pbar { height: 8px; background: var(--accent); border-radius: 2px; }
    .grid-wrap { overflow-x: auto; }
    table.lens { border-collapse: separate; border-spacing: 2px; font-size: 12px; }
    table.lens th { font-weight: 500; color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; padding: 2px 4px; }
    table.lens th.l { text-align: right; }
    table.lens td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; padding: 3px 5px; border-radius: 3px; max-width: 90px;
                    overflow: hidden; text-overflow: ellipsis; }
    .pager { display: flex; gap: 8px; align-items: center; margin: 8px 0; font-size: 13px; color: var(--muted); }
    .heads { display: grid; gap: 4px; align-items: center; }
    .heads .lab { font-size: 11px; color: var(--muted); text-align: right; padding-right: 4px; }
    .thumb { width: 52px; height: 52px; border: 1px solid var(--line); border-radius: 4px; cursor: pointer; image-rendering: pixelated; background: #fafbfc; }
    .thumb:hover { border-color: var(--accent); }
    .thumb.sel { outline: 2px solid var(--accent); }
    .zoom { display: none; margin-top: 14px; border-top: 1px solid var(--line); padding-top: 14px; }
    .zoom.open { display: block; }
    .zoom canvas { border: 1px solid var(--line); border-radius: 4px; image-rendering: pixelated; }
    .headview text { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; fill: var(--ink); cursor: pointer; }
    .headview text.dim { fill: #b0b6c3; }
    .stats { font-size: 13px; color: var(--muted); }
    .stats b { color: var(--ink); font-weight: 600; }
    #tooltip { position: fixed; pointer-events: none; background: #141a29; color: #fff; padding: 5px 8px; border-radius: 5px; font-size: 12px;
               display: none; z-index: 10; max-width: 360px; white-space: pre-wrap; }
    canvas.heat { cursor: crosshair; border: 1px solid var(--line); border-radius: 4px; image-rendering: pixelated; }
    .axis { font-size: 11px; color: var(--muted); }
    svg text { font-family: system-ui, sans-serif; }
    .warnbox { background: var(--warnbg); color: var(--warn); border-radius: 6px; padding: 6px 10px; font-size: 13px; margin-top: 8px; }
    """#
}
