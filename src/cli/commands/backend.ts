import { defineCommand } from '../command';
import { initBackend, parseBackend, describeDevice, measureMatMulWithin, backendRecord } from '../../tensor';

export const backendCommand = defineCommand({
  name: 'backend',
  summary: 'show the TensorFlow.js backend, its device and library versions, its matMul speed, and why better ones were not used',
  flags: {
    json: { type: 'boolean', help: 'print one JSON object (backend record and matMul speed) instead of lines', default: false },
  },
  async run(opts, ctx) {
    const info = await initBackend(parseBackend(opts.backend, '--backend'));
    const speed = await measureMatMulWithin();
    if (opts.json) {
      ctx.out(JSON.stringify({ ...(await backendRecord()), matMul: speed }));
      return;
    }
    const kind = info.gpu ? 'yes' : info.device.kind === 'software-gpu' ? 'no (a software adapter: the GPU API runs on the CPU)' : 'no';
    ctx.out(`backend: ${info.name}`);
    ctx.out(`device: ${describeDevice(info.device)}`);
    ctx.out(`GPU: ${kind}`);
    ctx.out(`versions: ${Object.entries(info.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const s of info.skipped) ctx.out(`not ${s.name}: ${s.reason}`);
    ctx.out(`matMul ${speed.n}³ float32: ${speed.msPerProduct.toFixed(2)} ms (${speed.gflops.toFixed(1)} GFLOP/s)`);
  },
});
