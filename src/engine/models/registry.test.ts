import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOf, buildSmall, SMALL_SHAPE } from '../testing/models';
import { useCpu } from '../testing/tf';
import { Rng } from '../util/rng';
import { MODEL_CATALOG, optionErrors } from './catalog';
import { registeredModels } from './registry';

/** What the UI and the bench rely on, for every registered model and every preset. */
describe('model registry', () => {
  beforeAll(useCpu);

  it('registers all eight models, each with its catalog entry complete', () => {
    expect(
      registeredModels()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['aesm2', 'cesaa', 'm3oe', 'mmoe', 'mome', 'ple', 'shared-bottom', 'star']);
    for (const info of MODEL_CATALOG) {
      expect(info.equations.length, info.id).toBeGreaterThan(0);
      expect(info.paper.url, info.id).toMatch(/^https:\/\//);
      expect(info.presets.length, info.id).toBeGreaterThan(0);
      expect(new Set(info.presets.map((p) => p.name)).size, `${info.id}: preset names unique`).toBe(
        info.presets.length,
      );
      for (const preset of info.presets)
        expect(optionErrors(info, preset.options), `${info.id} · ${preset.name}`).toEqual([]);
      for (const d of info.deviations)
        if (d.restore)
          expect(
            info.options.some((o) => o.key === d.restore?.option),
            `${info.id}: restore names an option`,
          ).toBe(true);
    }
  });

  it('gives every preset of every model the output shapes the UI draws: logits [B, T], gates [B, E] summing to 1, scalar aux terms', async () => {
    const domains = [0, 1, 2, 1, 0];
    for (const info of registeredModels()) {
      for (const preset of info.presets) {
        const where = `${info.id} · ${preset.name}`;
        const model = buildSmall(info.id, preset.options);
        const out = model.forward(batchOf(domains), 'eval', new Rng(1));
        expect(out.logits.shape, where).toEqual([domains.length, SMALL_SHAPE.numTasks]);
        expect((await out.logits.data()).every(Number.isFinite), where).toBe(true);
        for (const [name, w] of Object.entries(out.routing)) {
          expect(w.rank, `${where} · ${name}`).toBe(2);
          expect(w.shape[0], `${where} · ${name}`).toBe(domains.length);
          const rows = (await w.array()) as number[][];
          for (const row of rows) {
            expect(
              row.every((x) => x >= 0),
              `${where} · ${name}: weights ≥ 0`,
            ).toBe(true);
            expect(
              row.reduce((a, b) => a + b, 0),
              `${where} · ${name}: row sum`,
            ).toBeCloseTo(1, 4);
          }
        }
        for (const [name, a] of Object.entries(out.aux)) {
          expect(a.rank, `${where} · aux ${name}`).toBe(0);
          expect(Number.isFinite((await a.data())[0]), `${where} · aux ${name}`).toBe(true);
        }
        tf.dispose([out.logits, ...Object.values(out.routing), ...Object.values(out.aux)]);
        model.params.dispose();
      }
    }
  });
});
