import * as fs from 'fs';
import type { Command } from '../command';
import { assertFigureSpec, exportFigures } from '../../report';
import { InputError } from '../../util/errors';

export const plotCommand: Command = {
  name: 'plot',
  summary: 'export a figure spec (plotly JSON: {data, layout}) to PNG or SVG with headless Chromium',
  usage: '--spec fig.json --out fig.png',
  flags: {
    spec: { type: 'string', help: 'figure spec JSON file ({"data": [...], "layout": {...}})', placeholder: 'file', required: true },
    out: { type: 'string', help: 'output image; .png or .svg picks the format', placeholder: 'file', required: true },
    width: { type: 'int', help: 'width in pixels (default: the layout width, else 900)' },
    height: { type: 'int', help: 'height in pixels (default: the layout height, else 500)' },
    scale: { type: 'number', help: 'PNG pixel-density multiplier', default: 2 },
  },
  async run(opts, ctx) {
    const specFile = String(opts.spec);
    let text: string;
    try {
      text = fs.readFileSync(specFile, 'utf8');
    } catch {
      throw new InputError(`--spec: cannot read '${specFile}'`);
    }
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${specFile}: not valid JSON (${(e as Error).message})`);
    }
    assertFigureSpec(spec, specFile);
    if (spec.layout === undefined) spec.layout = {};
    const [r] = await exportFigures(
      [{ spec, file: String(opts.out), width: opts.width as number | undefined, height: opts.height as number | undefined }],
      { scale: opts.scale as number, signal: ctx.signal },
    );
    ctx.out(`${r.file}: ${r.bytes} bytes`);
  },
};
